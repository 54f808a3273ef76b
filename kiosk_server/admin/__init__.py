"""The program console: server-rendered pages under ``/admin/`` for coordinators.

How to add a page (what part B's pages and any later ones build on):

1. **Router.** Write a module here with ``router = APIRouter(prefix="/admin",
   include_in_schema=False)`` and add it to ``ROUTERS`` in ``admin/pages.py``
   (``create_app`` installs them, with the login/forbidden handlers).
2. **Who is asking.** Take one of the dependencies of ``admin/web.py`` as a parameter:
   ``admin: Reader`` (any signed-in account), ``admin: Writer`` (``national`` or
   ``region``; a ``viewer`` gets 403), ``admin: National``, or
   ``Annotated[Admin, Depends(require_role(...))]``. ``admin.account`` is an
   ``accounts.Account``: ``.role``, ``.region`` (None: everywhere),
   ``.sees(code)`` for one region code, ``.scope_clause(column)`` for a SQL ``where``
   (None when national), ``.can_write``. Check scope on every read AND every write:
   a region coordinator must not reach anything outside their code by a crafted URL.
3. **Forms.** Every form carries ``<input type="hidden" name="csrf" value="{{ admin.csrf }}">``;
   a POST route takes ``form: CheckedForm`` (the urlencoded body as a dict, after the
   token matched the session's, else 403) and answers with ``redirect(url)`` (303).
4. **Template.** ``{% extends "base.html" %}``, ``{% set title = tr("…", "…") %}``,
   ``{% block main %}``; text as ``{{ tr("Bahasa Indonesia", "English") }}`` (the
   language is a cookie, Indonesian by default). Add a link in ``base.html``'s
   ``{% block nav %}``. Render with ``web.render(request, admin, "x.html", **values)``
   (security headers, no-store). Keep a page under 200 KB and usable at 360 px wide
   (``table.cards`` with ``data-label`` cells turns rows into cards on a phone).
5. **Audit.** Every change writes ``sessions.record(conn, admin.account, "action",
   target=…, region=…, detail={…}, ip=web.client_ip(request))`` in the same transaction
   as the change (or ``sessions.audit(engine, …)`` in its own).

Accounts come from ``kiosk-server admin add EMAIL --role national|region|viewer
[--region CODE]`` (password on standard input), ``admin list`` and ``admin disable``.
"""
