"""The public catalog: server-rendered pages of published products of consenting merchants."""
