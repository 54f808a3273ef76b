<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>CameraDialog</name>
    <message>
        <source>Take a photo</source>
        <translation>Take a photo</translation>
    </message>
    <message>
        <source>Put the product in good light, then press Capture.</source>
        <translation>Put the product in good light, then press Capture.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Retake</source>
        <translation>Retake</translation>
    </message>
    <message>
        <source>Capture</source>
        <translation>Capture</translation>
    </message>
    <message>
        <source>Use this photo</source>
        <translation>Use this photo</translation>
    </message>
    <message>
        <source>Taking the photo…</source>
        <translation>Taking the photo…</translation>
    </message>
    <message>
        <source>The camera did not take a photo: {error}</source>
        <translation>The camera did not take a photo: {error}</translation>
    </message>
</context>
<context>
    <name>ConflictCard</name>
    <message>
        <source>{what} of {record}</source>
        <translation>{what} of {record}</translation>
    </message>
    <message>
        <source>the server&apos;s</source>
        <translation>the server&apos;s</translation>
    </message>
    <message>
        <source>this kiosk&apos;s</source>
        <translation>this kiosk&apos;s</translation>
    </message>
    <message>
        <source>Two kiosks changed this at the same time. On this kiosk: {mine}. From the server (another kiosk): {theirs}. In use now: {now}.</source>
        <translation>Two kiosks changed this at the same time. On this kiosk: {mine}. From the server (another kiosk): {theirs}. In use now: {now}.</translation>
    </message>
    <message>
        <source>Keep this kiosk&apos;s</source>
        <translation>Keep this kiosk&apos;s</translation>
    </message>
    <message>
        <source>Keep the server&apos;s</source>
        <translation>Keep the server&apos;s</translation>
    </message>
</context>
<context>
    <name>ConsentStep</name>
    <message>
        <source>Step 1 of 2: the owner&apos;s consent</source>
        <translation>Step 1 of 2: the owner&apos;s consent</translation>
    </message>
    <message>
        <source>Read this text to the business owner, or let them read it. Their data is recorded only if they agree.</source>
        <translation>Read this text to the business owner, or let them read it. Their data is recorded only if they agree.</translation>
    </message>
    <message>
        <source>The owner has read or heard this text</source>
        <translation>The owner has read or heard this text</translation>
    </message>
    <message>
        <source>The owner does not agree</source>
        <translation>The owner does not agree</translation>
    </message>
    <message>
        <source>The owner agrees</source>
        <translation>The owner agrees</translation>
    </message>
    <message>
        <source>Text version: {version}</source>
        <translation>Text version: {version}</translation>
    </message>
    <message>
        <source>Text version: {version}. This merchant agreed to {earlier} before; read them the new text. If they do not agree, their earlier consent stays.</source>
        <translation>Text version: {version}. This merchant agreed to {earlier} before; read them the new text. If they do not agree, their earlier consent stays.</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Today&apos;s work on this kiosk.</source>
        <translation>Today&apos;s work on this kiosk.</translation>
    </message>
    <message>
        <source>new merchants today</source>
        <translation>new merchants today</translation>
    </message>
    <message>
        <source>new products today</source>
        <translation>new products today</translation>
    </message>
    <message>
        <source>merchants in total</source>
        <translation>merchants in total</translation>
    </message>
    <message>
        <source>products in total</source>
        <translation>products in total</translation>
    </message>
    <message>
        <source>Register a new merchant</source>
        <translation>Register a new merchant</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Add a product</translation>
    </message>
    <message>
        <source>Find a merchant</source>
        <translation>Find a merchant</translation>
    </message>
    <message>
        <source>See all products</source>
        <translation>See all products</translation>
    </message>
    <message>
        <source>Merchants registered today</source>
        <translation>Merchants registered today</translation>
    </message>
    <message>
        <source>Products added today</source>
        <translation>Products added today</translation>
    </message>
    <message>
        <source>Hello, {name}</source>
        <translation>Hello, {name}</translation>
    </message>
    <message>
        <source>None yet today</source>
        <translation>None yet today</translation>
    </message>
</context>
<context>
    <name>DeliveryPanel</name>
    <message>
        <source>Send again</source>
        <translation>Send again</translation>
    </message>
    <message>
        <source>Delete from this kiosk</source>
        <translation>Delete from this kiosk</translation>
    </message>
    <message>
        <source>Refused by the server: not in the catalog.</source>
        <translation>Refused by the server: not in the catalog.</translation>
    </message>
    <message>
        <source>and {n} more</source>
        <translation>and {n} more</translation>
    </message>
    <message>
        <source>Saved on this kiosk. It is sent once the kiosk is enrolled.</source>
        <translation>Saved on this kiosk. It is sent once the kiosk is enrolled.</translation>
    </message>
    <message>
        <source>Waiting to be sent: {n} changes, {p} photos.</source>
        <translation>Waiting to be sent: {n} changes, {p} photos.</translation>
    </message>
    <message>
        <source>On the server.</source>
        <translation>On the server.</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <source>This form has changes that are not saved yet. Save them?</source>
        <translation>This form has changes that are not saved yet. Save them?</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Discard changes</source>
        <translation>Discard changes</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Choose photos</source>
        <translation>Choose photos</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>Photos</translation>
    </message>
    <message>
        <source>Choose</source>
        <translation>Choose</translation>
    </message>
    <message>
        <source>Look in:</source>
        <translation>Look in:</translation>
    </message>
    <message>
        <source>File name:</source>
        <translation>File name:</translation>
    </message>
    <message>
        <source>File type:</source>
        <translation>File type:</translation>
    </message>
</context>
<context>
    <name>Enroller</name>
    <message>
        <source>The server address must start with https:// so the code and the kiosk&apos;s token cannot be read on the network (http:// only for a server on this PC).</source>
        <translation>The server address must start with https:// so the code and the kiosk&apos;s token cannot be read on the network (http:// only for a server on this PC).</translation>
    </message>
    <message>
        <source>Type the server address in full, starting with https://</source>
        <translation>Type the server address in full, starting with https://</translation>
    </message>
    <message>
        <source>Type the enrollment code from the central admin.</source>
        <translation>Type the enrollment code from the central admin.</translation>
    </message>
    <message>
        <source>The server cannot be reached. Check the address and the internet connection.</source>
        <translation>The server cannot be reached. Check the address and the internet connection.</translation>
    </message>
    <message>
        <source>The server did not accept this code: it may be mistyped, used already or expired. Ask the central admin for a new one.</source>
        <translation>The server did not accept this code: it may be mistyped, used already or expired. Ask the central admin for a new one.</translation>
    </message>
    <message>
        <source>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</source>
        <translation>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</translation>
    </message>
    <message>
        <source>The server has a problem. Try again later.</source>
        <translation>The server has a problem. Try again later.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted.</source>
        <translation>The server&apos;s certificate is not trusted.</translation>
    </message>
    <message>
        <source>That does not look like an Etalase Desa server: {error}</source>
        <translation>That does not look like an Etalase Desa server: {error}</translation>
    </message>
</context>
<context>
    <name>FeedGuideDialog</name>
    <message>
        <source>WhatsApp Business catalog</source>
        <translation>WhatsApp Business catalog</translation>
    </message>
    <message>
        <source>Catalog of {name} on WhatsApp and Facebook</source>
        <translation>Catalog of {name} on WhatsApp and Facebook</translation>
    </message>
    <message>
        <source>Meta (WhatsApp Business, Facebook, Instagram) can read this merchant&apos;s products from the address below every day: prices, stock and photos stay the same as in Etalase Desa. Only published products with a photo are sent.</source>
        <translation>Meta (WhatsApp Business, Facebook, Instagram) can read this merchant&apos;s products from the address below every day: prices, stock and photos stay the same as in Etalase Desa. Only published products with a photo are sent.</translation>
    </message>
    <message>
        <source>Copy feed address</source>
        <translation>Copy feed address</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Copy the feed address above and send it to the merchant&apos;s phone, or open Commerce Manager on this computer.</source>
        <translation>Copy the feed address above and send it to the merchant&apos;s phone, or open Commerce Manager on this computer.</translation>
    </message>
    <message>
        <source>Open business.facebook.com/commerce with the merchant&apos;s Facebook account and create a catalog for products sold online (E-commerce).</source>
        <translation>Open business.facebook.com/commerce with the merchant&apos;s Facebook account and create a catalog for products sold online (E-commerce).</translation>
    </message>
    <message>
        <source>In the catalog choose Data sources, Add items, Data feed, Scheduled feed. Paste the address, choose a daily update and the currency IDR.</source>
        <translation>In the catalog choose Data sources, Add items, Data feed, Scheduled feed. Paste the address, choose a daily update and the currency IDR.</translation>
    </message>
    <message>
        <source>Connect the catalog to WhatsApp: in WhatsApp Manager choose Catalog, pick this catalog, then Connect catalog. The products appear in the WhatsApp Business catalog and are updated every day.</source>
        <translation>Connect the catalog to WhatsApp: in WhatsApp Manager choose Catalog, pick this catalog, then Connect catalog. The products appear in the WhatsApp Business catalog and are updated every day.</translation>
    </message>
    <message>
        <source>Copied. Paste it in Commerce Manager as a scheduled feed.</source>
        <translation>Copied. Paste it in Commerce Manager as a scheduled feed.</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Welcome to Etalase Desa</source>
        <translation>Welcome to Etalase Desa</translation>
    </message>
    <message>
        <source>Connect to the central server</source>
        <translation>Connect to the central server</translation>
    </message>
    <message>
        <source>With the server&apos;s address and a one-time enrollment code from the central admin, this kiosk sends its merchants and products to the public catalog. No internet now? Continue without it and enroll later in Settings: everything is kept on this kiosk meanwhile.</source>
        <translation>With the server&apos;s address and a one-time enrollment code from the central admin, this kiosk sends its merchants and products to the public catalog. No internet now? Continue without it and enroll later in Settings: everything is kept on this kiosk meanwhile.</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <source>Enroll this kiosk</source>
        <translation>Enroll this kiosk</translation>
    </message>
    <message>
        <source>Continue without internet, enroll later</source>
        <translation>Continue without internet, enroll later</translation>
    </message>
    <message>
        <source>Contacting the server and fetching this kiosk&apos;s region list…</source>
        <translation>Contacting the server and fetching this kiosk&apos;s region list…</translation>
    </message>
    <message>
        <source>This kiosk is enrolled for {region}: {n} villages are ready to choose from.</source>
        <translation>This kiosk is enrolled for {region}: {n} villages are ready to choose from.</translation>
    </message>
    <message>
        <source>This kiosk is enrolled for {region}, but its region list could not be fetched yet (no connection to the server). Merchants can be registered once it arrives: it is fetched by itself when the link is back.</source>
        <translation>This kiosk is enrolled for {region}, but its region list could not be fetched yet (no connection to the server). Merchants can be registered once it arrives: it is fetched by itself when the link is back.</translation>
    </message>
    <message>
        <source>The server refused {n} records saved before: see the Sync page.</source>
        <translation>The server refused {n} records saved before: see the Sync page.</translation>
    </message>
    <message>
        <source>This kiosk has no accounts yet. Create the first one: the technician who looks after this kiosk. The technician can add operators later.</source>
        <translation>This kiosk has no accounts yet. Create the first one: the technician who looks after this kiosk. The technician can add operators later.</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Your name</translation>
    </message>
    <message>
        <source>PIN (4 to 8 digits)</source>
        <translation>PIN (4 to 8 digits)</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <source>Create technician account</source>
        <translation>Create technician account</translation>
    </message>
    <message>
        <source>The two PINs are not the same.</source>
        <translation>The two PINs are not the same.</translation>
    </message>
</context>
<context>
    <name>KioskApp</name>
    <message>
        <source>Home</source>
        <translation>Home</translation>
    </message>
    <message>
        <source>Merchants</source>
        <translation>Merchants</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Products</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Etalase Desa</source>
        <translation>Etalase Desa</translation>
    </message>
    <message>
        <source>Choose your name, then type your PIN.</source>
        <translation>Choose your name, then type your PIN.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Choose your name first.</source>
        <translation>Choose your name first.</translation>
    </message>
    <message>
        <source>Wrong PIN too many times. Wait 30 seconds, then try again.</source>
        <translation>Wrong PIN too many times. Wait 30 seconds, then try again.</translation>
    </message>
    <message>
        <source>Wrong PIN. Try again.</source>
        <translation>Wrong PIN. Try again.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Etalase Desa</source>
        <translation>Etalase Desa</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Something went wrong: {error}</source>
        <translation>Something went wrong: {error}</translation>
    </message>
</context>
<context>
    <name>MerchantFormPage</name>
    <message>
        <source>Share</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>Record consent</source>
        <translation>Record consent</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>Inactive</translation>
    </message>
    <message>
        <source>{label} (WhatsApp)</source>
        <translation>{label} (WhatsApp)</translation>
    </message>
    <message>
        <source>{label} (13 digits)</source>
        <translation>{label} (13 digits)</translation>
    </message>
    <message>
        <source>Permits and email (fill in only if the owner has them)</source>
        <translation>Permits and email (fill in only if the owner has them)</translation>
    </message>
    <message>
        <source>Delete merchant</source>
        <translation>Delete merchant</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Products of this merchant</source>
        <translation>Products of this merchant</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Draft</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>No photo</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Add a product</translation>
    </message>
    <message>
        <source>Only the first {cap} characters fit here: {n} were cut off.</source>
        <translation>Only the first {cap} characters fit here: {n} were cut off.</translation>
    </message>
    <message>
        <source>Merchant</source>
        <translation>Merchant</translation>
    </message>
    <message>
        <source>Step 2 of 2: the merchant&apos;s data</source>
        <translation>Step 2 of 2: the merchant&apos;s data</translation>
    </message>
    <message>
        <source>Kept on the server</source>
        <translation>Kept on the server</translation>
    </message>
    <message>
        <source>Read the new consent</source>
        <translation>Read the new consent</translation>
    </message>
    <message>
        <source>No consent recorded for this merchant yet.</source>
        <translation>No consent recorded for this merchant yet.</translation>
    </message>
    <message>
        <source>Consent recorded: {version}, {date}, by {operator}</source>
        <translation>Consent recorded: {version}, {date}, by {operator}</translation>
    </message>
    <message>
        <source>A new consent text ({version}) is in use: read it to the owner at this visit.</source>
        <translation>A new consent text ({version}) is in use: read it to the owner at this visit.</translation>
    </message>
    <message>
        <source>Merchant registered.</source>
        <translation>Merchant registered.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>Type the village name, then choose it from the list.</source>
        <translation>Type the village name, then choose it from the list.</translation>
    </message>
    <message>
        <source>Please fix the fields marked in red.</source>
        <translation>Please fix the fields marked in red.</translation>
    </message>
    <message>
        <source>Delete this merchant and all their products and photos? Do this when the owner asks for their data to be deleted. It cannot be undone.</source>
        <translation>Delete this merchant and all their products and photos? Do this when the owner asks for their data to be deleted. It cannot be undone.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
</context>
<context>
    <name>MerchantPicker</name>
    <message>
        <source>Type the business or owner name…</source>
        <translation>Type the business or owner name…</translation>
    </message>
    <message>
        <source>No merchant with that name</source>
        <translation>No merchant with that name</translation>
    </message>
</context>
<context>
    <name>MerchantTableModel</name>
    <message>
        <source>Business</source>
        <translation>Business</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>Village</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Products</translation>
    </message>
</context>
<context>
    <name>MerchantsPage</name>
    <message>
        <source>Merchants</source>
        <translation>Merchants</translation>
    </message>
    <message>
        <source>Register a new merchant</source>
        <translation>Register a new merchant</translation>
    </message>
    <message>
        <source>Search by business name, owner or address…</source>
        <translation>Search by business name, owner or address…</translation>
    </message>
    <message>
        <source>{n} merchants found</source>
        <translation>{n} merchants found</translation>
    </message>
    <message>
        <source>No merchant found</source>
        <translation>No merchant found</translation>
    </message>
    <message>
        <source>{n} merchants shown, newest first</source>
        <translation>{n} merchants shown, newest first</translation>
    </message>
</context>
<context>
    <name>PhotoEditor</name>
    <message>
        <source>Only {n} more photos fit (at most 9 per product).</source>
        <translation>Only {n} more photos fit (at most 9 per product).</translation>
    </message>
    <message>
        <source>No camera is connected to this PC. Take the photo with a phone and copy it here with a cable or a flash drive, then use &apos;From file or flash drive&apos;.</source>
        <translation>No camera is connected to this PC. Take the photo with a phone and copy it here with a cable or a flash drive, then use &apos;From file or flash drive&apos;.</translation>
    </message>
    <message>
        <source>camera photo</source>
        <translation>camera photo</translation>
    </message>
    <message>
        <source>The file could not be read.</source>
        <translation>The file could not be read.</translation>
    </message>
</context>
<context>
    <name>PhotoStrip</name>
    <message>
        <source>From file or flash drive</source>
        <translation>From file or flash drive</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>◀ Move</source>
        <translation>◀ Move</translation>
    </message>
    <message>
        <source>Move ▶</source>
        <translation>Move ▶</translation>
    </message>
    <message>
        <source>Make main photo</source>
        <translation>Make main photo</translation>
    </message>
    <message>
        <source>Delete photo</source>
        <translation>Delete photo</translation>
    </message>
    <message>
        <source>Main photo</source>
        <translation>Main photo</translation>
    </message>
    <message>
        <source>{n} of {max} photos. The first photo is the main photo.</source>
        <translation>{n} of {max} photos. The first photo is the main photo.</translation>
    </message>
</context>
<context>
    <name>Poster</name>
    <message>
        <source>Products of {name}, order on WhatsApp: {url}</source>
        <translation>Products of {name}, order on WhatsApp: {url}</translation>
    </message>
    <message>
        <source>Scan to see our products and order on WhatsApp</source>
        <translation>Scan to see our products and order on WhatsApp</translation>
    </message>
</context>
<context>
    <name>PriceList</name>
    <message>
        <source>Price list: {name}</source>
        <translation>Price list: {name}</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>Price list</translation>
    </message>
    <message>
        <source>No published product yet.</source>
        <translation>No published product yet.</translation>
    </message>
    <message>
        <source>Printed on {date}</source>
        <translation>Printed on {date}</translation>
    </message>
    <message>
        <source>Scan to order on WhatsApp</source>
        <translation>Scan to order on WhatsApp</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Product</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Page {number} of {count}</source>
        <translation>Page {number} of {count}</translation>
    </message>
</context>
<context>
    <name>ProductEditorPage</name>
    <message>
        <source>Draft (not shown yet)</source>
        <translation>Draft (not shown yet)</translation>
    </message>
    <message>
        <source>Published in the catalog</source>
        <translation>Published in the catalog</translation>
    </message>
    <message>
        <source>Delete product</source>
        <translation>Delete product</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Only the first {cap} characters fit here: {n} were cut off.</source>
        <translation>Only the first {cap} characters fit here: {n} were cut off.</translation>
    </message>
    <message>
        <source>The price takes digits only, in rupiah (for example 15000); “{letters}” was left out.</source>
        <translation>The price takes digits only, in rupiah (for example 15000); “{letters}” was left out.</translation>
    </message>
    <message>
        <source>Edit product</source>
        <translation>Edit product</translation>
    </message>
    <message>
        <source>New product</source>
        <translation>New product</translation>
    </message>
    <message>
        <source>Not shown in the catalog: {merchant} has no consent recorded yet. Record it on the merchant&apos;s page first.</source>
        <translation>Not shown in the catalog: {merchant} has no consent recorded yet. Record it on the merchant&apos;s page first.</translation>
    </message>
    <message>
        <source>Not shown in the catalog: {merchant} is marked inactive.</source>
        <translation>Not shown in the catalog: {merchant} is marked inactive.</translation>
    </message>
    <message>
        <source>Draft: not shown in the catalog until you choose “Published”.</source>
        <translation>Draft: not shown in the catalog until you choose “Published”.</translation>
    </message>
    <message>
        <source>Shown in the public catalog once saved and synced, on {merchant}&apos;s page: {url}</source>
        <translation>Shown in the public catalog once saved and synced, on {merchant}&apos;s page: {url}</translation>
    </message>
    <message>
        <source>Shown in the public catalog once saved, after this kiosk is enrolled and has synced.</source>
        <translation>Shown in the public catalog once saved, after this kiosk is enrolled and has synced.</translation>
    </message>
    <message>
        <source>Processing photos…</source>
        <translation>Processing photos…</translation>
    </message>
    <message>
        <source>Product saved.</source>
        <translation>Product saved.</translation>
    </message>
    <message>
        <source>Please fix the fields marked in red.</source>
        <translation>Please fix the fields marked in red.</translation>
    </message>
    <message>
        <source>Delete this product and its photos? It cannot be undone.</source>
        <translation>Delete this product and its photos? It cannot be undone.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
</context>
<context>
    <name>ProductsPage</name>
    <message>
        <source>Products</source>
        <translation>Products</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Add a product</translation>
    </message>
    <message>
        <source>Search by product name, category or description…</source>
        <translation>Search by product name, category or description…</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Draft</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>No photo</translation>
    </message>
    <message>
        <source>{n} products found</source>
        <translation>{n} products found</translation>
    </message>
    <message>
        <source>No product found</source>
        <translation>No product found</translation>
    </message>
    <message>
        <source>{n} products shown, newest first; more load as you scroll</source>
        <translation>{n} products shown, newest first; more load as you scroll</translation>
    </message>
</context>
<context>
    <name>RefusalCard</name>
    <message>
        <source>Merchant</source>
        <translation>Merchant</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Product</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Refused by the server: {reason}</source>
        <translation>Refused by the server: {reason}</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>Send again</translation>
    </message>
    <message>
        <source>Delete from this kiosk</source>
        <translation>Delete from this kiosk</translation>
    </message>
</context>
<context>
    <name>SearchPicker</name>
    <message>
        <source>Nothing found</source>
        <translation>Nothing found</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>Folders</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Data folder</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>Log folder</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>This kiosk</source>
        <translation>This kiosk</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source> minutes</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source>Lock after no use for</source>
        <translation>Lock after no use for</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>Central server</source>
        <translation>Central server</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <source>Enroll this kiosk</source>
        <translation>Enroll this kiosk</translation>
    </message>
    <message>
        <source>Not enrolled yet: the data stays on this kiosk until it is.</source>
        <translation>Not enrolled yet: the data stays on this kiosk until it is.</translation>
    </message>
    <message>
        <source>Enrolled at {url} for region {region} (device {device}).</source>
        <translation>Enrolled at {url} for region {region} (device {device}).</translation>
    </message>
    <message>
        <source>Contacting the server…</source>
        <translation>Contacting the server…</translation>
    </message>
    <message>
        <source>Enrolled. Sending the data starts now.</source>
        <translation>Enrolled. Sending the data starts now.</translation>
    </message>
    <message>
        <source>Operator accounts</source>
        <translation>Operator accounts</translation>
    </message>
    <message>
        <source>Disable selected account</source>
        <translation>Disable selected account</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operator</translation>
    </message>
    <message>
        <source>Technician</source>
        <translation>Technician</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Add account</translation>
    </message>
    <message>
        <source>technician</source>
        <translation>technician</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>operator</translation>
    </message>
    <message>
        <source>(disabled)</source>
        <translation>(disabled)</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Account {name} added.</source>
        <translation>Account {name} added.</translation>
    </message>
    <message>
        <source>You cannot disable your own account.</source>
        <translation>You cannot disable your own account.</translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message>
        <source>Share</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>Poster {size} (PDF)</source>
        <translation>Poster {size} (PDF)</translation>
    </message>
    <message>
        <source>Copy link for WhatsApp</source>
        <translation>Copy link for WhatsApp</translation>
    </message>
    <message>
        <source>Price list A4 (PDF)</source>
        <translation>Price list A4 (PDF)</translation>
    </message>
    <message>
        <source>WhatsApp Business catalog: guide</source>
        <translation>WhatsApp Business catalog: guide</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled with a server yet, so the catalog has no address.</source>
        <translation>This kiosk is not enrolled with a server yet, so the catalog has no address.</translation>
    </message>
    <message>
        <source>Catalog page: {url}</source>
        <translation>Catalog page: {url}</translation>
    </message>
    <message>
        <source>Catalog for WhatsApp Business and Facebook: {url}</source>
        <translation>Catalog for WhatsApp Business and Facebook: {url}</translation>
    </message>
    <message>
        <source>No consent recorded: the catalog does not show this merchant.</source>
        <translation>No consent recorded: the catalog does not show this merchant.</translation>
    </message>
    <message>
        <source>The merchant is inactive: the catalog does not show them.</source>
        <translation>The merchant is inactive: the catalog does not show them.</translation>
    </message>
    <message>
        <source>No published product yet: the page shows no product.</source>
        <translation>No published product yet: the page shows no product.</translation>
    </message>
    <message>
        <source>{count} published product(s) without a photo: the WhatsApp Business catalog leaves them out.</source>
        <translation>{count} published product(s) without a photo: the WhatsApp Business catalog leaves them out.</translation>
    </message>
    <message>
        <source>Price list saved: {path}</source>
        <translation>Price list saved: {path}</translation>
    </message>
    <message>
        <source>The price list could not be saved: {error}</source>
        <translation>The price list could not be saved: {error}</translation>
    </message>
    <message>
        <source>The poster could not be saved: {error}</source>
        <translation>The poster could not be saved: {error}</translation>
    </message>
    <message>
        <source>Poster saved: {path}</source>
        <translation>Poster saved: {path}</translation>
    </message>
    <message>
        <source>Copied. Paste it into a WhatsApp chat, group or status.</source>
        <translation>Copied. Paste it into a WhatsApp chat, group or status.</translation>
    </message>
</context>
<context>
    <name>SyncBadge</name>
    <message>
        <source>{n} refused by the server</source>
        <translation>{n} refused by the server</translation>
    </message>
    <message>
        <source>{n} changes saved on this kiosk</source>
        <translation>{n} changes saved on this kiosk</translation>
    </message>
    <message>
        <source>{n} photos waiting</source>
        <translation>{n} photos waiting</translation>
    </message>
    <message>
        <source>{n} conflicts to check</source>
        <translation>{n} conflicts to check</translation>
    </message>
    <message>
        <source>Not connected to the server yet</source>
        <translation>Not connected to the server yet</translation>
    </message>
    <message>
        <source>Sending data…</source>
        <translation>Sending data…</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Sync failed, will retry</source>
        <translation>Sync failed, will retry</translation>
    </message>
    <message>
        <source>Server busy, trying again…</source>
        <translation>Server busy, trying again…</translation>
    </message>
    <message>
        <source>Online · data refused, see Sync</source>
        <translation>Online · data refused, see Sync</translation>
    </message>
    <message>
        <source>Online · waiting to send</source>
        <translation>Online · waiting to send</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Online · all data sent</source>
        <translation>Online · all data sent</translation>
    </message>
    <message>
        <source>Last sync: {when}</source>
        <translation>Last sync: {when}</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>Never synced</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>(empty)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>deleted</translation>
    </message>
    <message>
        <source>not deleted</source>
        <translation>not deleted</translation>
    </message>
    <message>
        <source>Sync with the server</source>
        <translation>Sync with the server</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Save to a flash drive (USB)</source>
        <translation>Save to a flash drive (USB)</translation>
    </message>
    <message>
        <source>Records: %v of %m</source>
        <translation>Records: %v of %m</translation>
    </message>
    <message>
        <source>Refused by the server: not in the catalog</source>
        <translation>Refused by the server: not in the catalog</translation>
    </message>
    <message>
        <source>Merchants: has everything reached the server?</source>
        <translation>Merchants: has everything reached the server?</translation>
    </message>
    <message>
        <source>Merchant</source>
        <translation>Merchant</translation>
    </message>
    <message>
        <source>On the server</source>
        <translation>On the server</translation>
    </message>
    <message>
        <source>Photos waiting to be sent</source>
        <translation>Photos waiting to be sent</translation>
    </message>
    <message>
        <source>No photos waiting.</source>
        <translation>No photos waiting.</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Sent</translation>
    </message>
    <message>
        <source>Conflicting data</source>
        <translation>Conflicting data</translation>
    </message>
    <message>
        <source>No conflicting data.</source>
        <translation>No conflicting data.</translation>
    </message>
    <message>
        <source>full photo</source>
        <translation>full photo</translation>
    </message>
    <message>
        <source>thumbnail</source>
        <translation>thumbnail</translation>
    </message>
    <message>
        <source>Refused by the server: {reason}</source>
        <translation>Refused by the server: {reason}</translation>
    </message>
    <message>
        <source>Yes, all sent</source>
        <translation>Yes, all sent</translation>
    </message>
    <message>
        <source>{n} changes waiting</source>
        <translation>{n} changes waiting</translation>
    </message>
    <message>
        <source>{n} photos waiting</source>
        <translation>{n} photos waiting</translation>
    </message>
    <message>
        <source>Not yet: {what}</source>
        <translation>Not yet: {what}</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled with a server yet. The technician can enroll it in Settings.</source>
        <translation>This kiosk is not enrolled with a server yet. The technician can enroll it in Settings.</translation>
    </message>
    <message>
        <source>Online. Everything has reached the server.</source>
        <translation>Online. Everything has reached the server.</translation>
    </message>
    <message>
        <source>Sending and receiving data…</source>
        <translation>Sending and receiving data…</translation>
    </message>
    <message>
        <source>Online. Some data is still waiting to be sent.</source>
        <translation>Online. Some data is still waiting to be sent.</translation>
    </message>
    <message>
        <source>Offline. The data is safe on this kiosk.</source>
        <translation>Offline. The data is safe on this kiosk.</translation>
    </message>
    <message>
        <source>The last sync did not finish; it will be tried again.</source>
        <translation>The last sync did not finish; it will be tried again.</translation>
    </message>
    <message>
        <source>The server is busy; the data waits safely here and is sent shortly.</source>
        <translation>The server is busy; the data waits safely here and is sent shortly.</translation>
    </message>
    <message>
        <source>Online, but the server refused some data: it is not in the catalog. See “Refused by the server” below.</source>
        <translation>Online, but the server refused some data: it is not in the catalog. See “Refused by the server” below.</translation>
    </message>
    <message>
        <source>Last complete sync: {when}.</source>
        <translation>Last complete sync: {when}.</translation>
    </message>
    <message>
        <source>Never synced yet.</source>
        <translation>Never synced yet.</translation>
    </message>
    <message>
        <source>Sync finished: {sent} changes sent, {received} received, {photos} photos uploaded.</source>
        <translation>Sync finished: {sent} changes sent, {received} received, {photos} photos uploaded.</translation>
    </message>
    <message>
        <source>{n} refused by the server: see below.</source>
        <translation>{n} refused by the server: see below.</translation>
    </message>
    <message>
        <source>Sync did not finish: {why}</source>
        <translation>Sync did not finish: {why}</translation>
    </message>
    <message>
        <source>{n} changes and {p} photos still waiting.</source>
        <translation>{n} changes and {p} photos still waiting.</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled yet: ask the technician to enroll it.</source>
        <translation>This kiosk is not enrolled yet: ask the technician to enroll it.</translation>
    </message>
    <message>
        <source>Sync started: sending and receiving…</source>
        <translation>Sync started: sending and receiving…</translation>
    </message>
    <message>
        <source>Queued again ({n} changes): they go with the next sync.</source>
        <translation>Queued again ({n} changes): they go with the next sync.</translation>
    </message>
    <message>
        <source>Delete “{record}” from this kiosk, with everything under it? The server never accepted it. It cannot be undone.</source>
        <translation>Delete “{record}” from this kiosk, with everything under it? The server never accepted it. It cannot be undone.</translation>
    </message>
    <message>
        <source>Delete “{record}”, here and on the server, with everything under it? It cannot be undone.</source>
        <translation>Delete “{record}”, here and on the server, with everything under it? It cannot be undone.</translation>
    </message>
    <message>
        <source>Delete refused data</source>
        <translation>Delete refused data</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Deleted.</source>
        <translation>Deleted.</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Saved. It will be sent with the next sync.</translation>
    </message>
    <message>
        <source>Saved. Nothing needs to be sent.</source>
        <translation>Saved. Nothing needs to be sent.</translation>
    </message>
    <message>
        <source>Only an enrolled kiosk can sign a bundle for the server. Ask the technician to enroll this kiosk.</source>
        <translation>Only an enrolled kiosk can sign a bundle for the server. Ask the technician to enroll this kiosk.</translation>
    </message>
    <message>
        <source>Save the data for the server</source>
        <translation>Save the data for the server</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Saved to {path}: {n} changes and {p} photos.</source>
        <translation>Saved to {path}: {n} changes and {p} photos.</translation>
    </message>
    <message>
        <source>This kiosk has no key to sign a bundle yet: sync once over the internet (or enroll it again), then save the bundle.</source>
        <translation>This kiosk has no key to sign a bundle yet: sync once over the internet (or enroll it again), then save the bundle.</translation>
    </message>
    <message>
        <source>Could not write the file: {error}</source>
        <translation>Could not write the file: {error}</translation>
    </message>
</context>
<context>
    <name>SyncRunner</name>
    <message>
        <source>No connection to the server. The data is safe on the kiosk and will be sent later.</source>
        <translation>No connection to the server. The data is safe on the kiosk and will be sent later.</translation>
    </message>
    <message>
        <source>This kiosk&apos;s access to the server was revoked. Ask a technician to enroll the kiosk again with a new enrollment code from the central admin.</source>
        <translation>This kiosk&apos;s access to the server was revoked. Ask a technician to enroll the kiosk again with a new enrollment code from the central admin.</translation>
    </message>
    <message>
        <source>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</source>
        <translation>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</translation>
    </message>
    <message>
        <source>The server has a problem. The data is safe here; we will try again.</source>
        <translation>The server has a problem. The data is safe here; we will try again.</translation>
    </message>
    <message>
        <source>Server busy, trying again shortly. The data is safe on this kiosk.</source>
        <translation>Server busy, trying again shortly. The data is safe on this kiosk.</translation>
    </message>
    <message>
        <source>The server refused the data. Ask the technician to check.</source>
        <translation>The server refused the data. Ask the technician to check.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted. Ask a technician to check it.</source>
        <translation>The server&apos;s certificate is not trusted. Ask a technician to check it.</translation>
    </message>
    <message>
        <source>Sending failed; we will try again.</source>
        <translation>Sending failed; we will try again.</translation>
    </message>
    <message>
        <source>Server busy, trying again in {n} seconds…</source>
        <translation>Server busy, trying again in {n} seconds…</translation>
    </message>
</context>
<context>
    <name>VillagePicker</name>
    <message>
        <source>Type the village name…</source>
        <translation>Type the village name…</translation>
    </message>
    <message>
        <source>{villages}: outside this kiosk&apos;s region ({region}). The server would refuse it; only villages in {region} can be chosen.</source>
        <translation>{villages}: outside this kiosk&apos;s region ({region}). The server would refuse it; only villages in {region} can be chosen.</translation>
    </message>
    <message>
        <source>{village} — {district} district, {regency}</source>
        <translation>{village} — {district} district, {regency}</translation>
    </message>
    <message>
        <source>No village with that name in this kiosk&apos;s region list</source>
        <translation>No village with that name in this kiosk&apos;s region list</translation>
    </message>
</context>
</TS>
