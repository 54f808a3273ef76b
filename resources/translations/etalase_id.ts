<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>CameraDialog</name>
    <message>
        <source>Take a photo</source>
        <translation>Ambil foto</translation>
    </message>
    <message>
        <source>Put the product in good light, then press Capture.</source>
        <translation>Letakkan produk di tempat yang terang, lalu tekan Potret.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Retake</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <source>Capture</source>
        <translation>Potret</translation>
    </message>
    <message>
        <source>Use this photo</source>
        <translation>Pakai foto ini</translation>
    </message>
    <message>
        <source>Taking the photo…</source>
        <translation>Sedang memotret…</translation>
    </message>
    <message>
        <source>The camera did not take a photo: {error}</source>
        <translation>Kamera gagal memotret ({error}).</translation>
    </message>
</context>
<context>
    <name>ConflictCard</name>
    <message>
        <source>{what} of {record}</source>
        <translation>{what} — {record}</translation>
    </message>
    <message>
        <source>the server&apos;s</source>
        <translation>data server</translation>
    </message>
    <message>
        <source>this kiosk&apos;s</source>
        <translation>data kios ini</translation>
    </message>
    <message>
        <source>Two kiosks changed this at the same time. On this kiosk: {mine}. From the server (another kiosk): {theirs}. In use now: {now}.</source>
        <translation>Dua kios mengubah data ini pada waktu yang sama. Di kios ini: {mine}. Dari server (kios lain): {theirs}. Yang dipakai sekarang: {now}.</translation>
    </message>
    <message>
        <source>Keep this kiosk&apos;s</source>
        <translation>Pakai data kios ini</translation>
    </message>
    <message>
        <source>Keep the server&apos;s</source>
        <translation>Pakai data server</translation>
    </message>
</context>
<context>
    <name>ConsentStep</name>
    <message>
        <source>Step 1 of 2: the owner&apos;s consent</source>
        <translation>Langkah 1 dari 2: persetujuan pemilik usaha</translation>
    </message>
    <message>
        <source>Read this text to the business owner, or let them read it. Their data is recorded only if they agree.</source>
        <translation>Bacakan teks ini kepada pemilik usaha, atau biarkan ia membacanya sendiri. Datanya hanya dicatat jika ia setuju.</translation>
    </message>
    <message>
        <source>The owner has read or heard this text</source>
        <translation>Pemilik usaha sudah membaca atau mendengar teks ini</translation>
    </message>
    <message>
        <source>The owner does not agree</source>
        <translation>Pemilik tidak setuju</translation>
    </message>
    <message>
        <source>The owner agrees</source>
        <translation>Pemilik setuju</translation>
    </message>
    <message>
        <source>Text version: {version}</source>
        <translation>Versi teks: {version}</translation>
    </message>
    <message>
        <source>Text version: {version}. This merchant agreed to {earlier} before; read them the new text. If they do not agree, their earlier consent stays.</source>
        <translation>Versi teks: {version}. Penjual ini dulu menyetujui teks {earlier}; bacakan teks baru ini. Jika pemilik usaha tidak setuju, persetujuan lamanya tetap berlaku.</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Today&apos;s work on this kiosk.</source>
        <translation>Pekerjaan hari ini di kios ini.</translation>
    </message>
    <message>
        <source>new merchants today</source>
        <translation>penjual baru hari ini</translation>
    </message>
    <message>
        <source>new products today</source>
        <translation>produk baru hari ini</translation>
    </message>
    <message>
        <source>merchants in total</source>
        <translation>penjual seluruhnya</translation>
    </message>
    <message>
        <source>products in total</source>
        <translation>produk seluruhnya</translation>
    </message>
    <message>
        <source>Register a new merchant</source>
        <translation>Daftarkan penjual baru</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Tambah produk</translation>
    </message>
    <message>
        <source>Find a merchant</source>
        <translation>Cari penjual</translation>
    </message>
    <message>
        <source>See all products</source>
        <translation>Lihat semua produk</translation>
    </message>
    <message>
        <source>Merchants registered today</source>
        <translation>Penjual yang didaftarkan hari ini</translation>
    </message>
    <message>
        <source>Products added today</source>
        <translation>Produk yang ditambahkan hari ini</translation>
    </message>
    <message>
        <source>Hello, {name}</source>
        <translation>Halo, {name}</translation>
    </message>
    <message>
        <source>None yet today</source>
        <translation>Belum ada hari ini</translation>
    </message>
</context>
<context>
    <name>DeliveryPanel</name>
    <message>
        <source>Send again</source>
        <translation>Kirim lagi</translation>
    </message>
    <message>
        <source>Delete from this kiosk</source>
        <translation>Hapus dari kios ini</translation>
    </message>
    <message>
        <source>Refused by the server: not in the catalog.</source>
        <translation>Ditolak server, jadi tidak ada di katalog.</translation>
    </message>
    <message>
        <source>and {n} more</source>
        <translation>dan {n} lagi</translation>
    </message>
    <message>
        <source>Saved on this kiosk. It is sent once the kiosk is enrolled.</source>
        <translation>Tersimpan di kios ini. Dikirim setelah kios didaftarkan ke server.</translation>
    </message>
    <message>
        <source>Waiting to be sent: {n} changes, {p} photos.</source>
        <translation>Menunggu dikirim: {n} perubahan, {p} foto.</translation>
    </message>
    <message>
        <source>On the server.</source>
        <translation>Sudah sampai di server.</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Perubahan belum disimpan</translation>
    </message>
    <message>
        <source>This form has changes that are not saved yet. Save them?</source>
        <translation>Ada perubahan di formulir ini yang belum disimpan. Simpan sekarang?</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>Discard changes</source>
        <translation>Buang perubahan</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Choose photos</source>
        <translation>Pilih foto</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Choose</source>
        <translation>Pilih</translation>
    </message>
    <message>
        <source>Look in:</source>
        <translation>Lihat di:</translation>
    </message>
    <message>
        <source>File name:</source>
        <translation>Nama berkas:</translation>
    </message>
    <message>
        <source>File type:</source>
        <translation>Jenis berkas:</translation>
    </message>
</context>
<context>
    <name>Enroller</name>
    <message>
        <source>The server address must start with https:// so the code and the kiosk&apos;s token cannot be read on the network (http:// only for a server on this PC).</source>
        <translation>Alamat server harus diawali https:// agar kode dan token kios tidak terbaca di jaringan (http:// hanya untuk server di komputer ini).</translation>
    </message>
    <message>
        <source>Type the server address in full, starting with https://</source>
        <translation>Ketik alamat server lengkap, diawali https://</translation>
    </message>
    <message>
        <source>Type the enrollment code from the central admin.</source>
        <translation>Ketik kode pendaftaran dari admin pusat.</translation>
    </message>
    <message>
        <source>The server cannot be reached. Check the address and the internet connection.</source>
        <translation>Server tidak bisa dihubungi. Periksa alamatnya dan sambungan internet.</translation>
    </message>
    <message>
        <source>The server did not accept this code: it may be mistyped, used already or expired. Ask the central admin for a new one.</source>
        <translation>Server tidak menerima kode ini. Mungkin salah ketik, sudah dipakai, atau kedaluwarsa. Minta kode baru ke admin pusat.</translation>
    </message>
    <message>
        <source>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</source>
        <translation>Versi aplikasi kios ini sudah lama dan tidak diterima server. Minta teknisi memperbarui aplikasi.</translation>
    </message>
    <message>
        <source>The server has a problem. Try again later.</source>
        <translation>Server sedang bermasalah. Coba lagi nanti.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted.</source>
        <translation>Sertifikat server tidak tepercaya.</translation>
    </message>
    <message>
        <source>That does not look like an Etalase Desa server: {error}</source>
        <translation>Sepertinya itu bukan server Etalase Desa ({error}).</translation>
    </message>
</context>
<context>
    <name>FeedGuideDialog</name>
    <message>
        <source>WhatsApp Business catalog</source>
        <translation>Katalog WhatsApp Business</translation>
    </message>
    <message>
        <source>Catalog of {name} on WhatsApp and Facebook</source>
        <translation>Katalog {name} di WhatsApp dan Facebook</translation>
    </message>
    <message>
        <source>Meta (WhatsApp Business, Facebook, Instagram) can read this merchant&apos;s products from the address below every day: prices, stock and photos stay the same as in Etalase Desa. Only published products with a photo are sent.</source>
        <translation>Meta (WhatsApp Business, Facebook, Instagram) bisa membaca produk penjual ini dari alamat di bawah setiap hari: harga, stok, dan foto tetap sama dengan di Etalase Desa. Hanya produk yang tampil di katalog dan punya foto yang dikirim.</translation>
    </message>
    <message>
        <source>Copy feed address</source>
        <translation>Salin alamat feed</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>Copy the feed address above and send it to the merchant&apos;s phone, or open Commerce Manager on this computer.</source>
        <translation>Salin alamat feed di atas lalu kirim ke HP penjual, atau buka Commerce Manager di komputer ini.</translation>
    </message>
    <message>
        <source>Open business.facebook.com/commerce with the merchant&apos;s Facebook account and create a catalog for products sold online (E-commerce).</source>
        <translation>Buka business.facebook.com/commerce dengan akun Facebook penjual, lalu buat katalog jenis E-commerce (produk yang dijual lewat internet).</translation>
    </message>
    <message>
        <source>In the catalog choose Data sources, Add items, Data feed, Scheduled feed. Paste the address, choose a daily update and the currency IDR.</source>
        <translation>Di katalog pilih Sumber data, Tambahkan item, Feed data, Feed terjadwal. Tempel alamatnya, pilih pembaruan harian dan mata uang IDR.</translation>
    </message>
    <message>
        <source>Connect the catalog to WhatsApp: in WhatsApp Manager choose Catalog, pick this catalog, then Connect catalog. The products appear in the WhatsApp Business catalog and are updated every day.</source>
        <translation>Hubungkan katalog ke WhatsApp: di WhatsApp Manager pilih Katalog, pilih katalog ini, lalu Hubungkan katalog. Produk muncul di katalog WhatsApp Business dan diperbarui setiap hari.</translation>
    </message>
    <message>
        <source>Copied. Paste it in Commerce Manager as a scheduled feed.</source>
        <translation>Tersalin. Tempel di Commerce Manager sebagai feed terjadwal.</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Welcome to Etalase Desa</source>
        <translation>Selamat datang di Etalase Desa</translation>
    </message>
    <message>
        <source>Connect to the central server</source>
        <translation>Sambungkan ke server pusat</translation>
    </message>
    <message>
        <source>With the server&apos;s address and a one-time enrollment code from the central admin, this kiosk sends its merchants and products to the public catalog. No internet now? Continue without it and enroll later in Settings: everything is kept on this kiosk meanwhile.</source>
        <translation>Dengan alamat server dan kode pendaftaran sekali pakai dari admin pusat, kios ini mengirim data penjual dan produknya ke katalog umum. Belum ada internet? Lanjutkan tanpa internet dan daftarkan nanti lewat Pengaturan; sementara itu semua data tetap tersimpan di kios ini.</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Alamat server</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>Kode pendaftaran</translation>
    </message>
    <message>
        <source>Enroll this kiosk</source>
        <translation>Daftarkan kios ini</translation>
    </message>
    <message>
        <source>Continue without internet, enroll later</source>
        <translation>Lanjut tanpa internet, daftar nanti</translation>
    </message>
    <message>
        <source>Contacting the server and fetching this kiosk&apos;s region list…</source>
        <translation>Menghubungi server dan mengambil daftar wilayah kios ini…</translation>
    </message>
    <message>
        <source>This kiosk is enrolled for {region}: {n} villages are ready to choose from.</source>
        <translation>Kios ini terdaftar untuk {region}: {n} desa/kelurahan siap dipilih.</translation>
    </message>
    <message>
        <source>This kiosk is enrolled for {region}, but its region list could not be fetched yet (no connection to the server). Merchants can be registered once it arrives: it is fetched by itself when the link is back.</source>
        <translation>Kios ini terdaftar untuk {region}, tetapi daftar wilayahnya belum bisa diambil karena kios tidak tersambung ke server. Penjual bisa didaftarkan setelah daftar itu tiba; daftar diambil sendiri begitu sambungan kembali.</translation>
    </message>
    <message>
        <source>The server refused {n} records saved before: see the Sync page.</source>
        <translation>Server menolak {n} data yang tersimpan sebelumnya. Lihat halaman Sinkronisasi.</translation>
    </message>
    <message>
        <source>This kiosk has no accounts yet. Create the first one: the technician who looks after this kiosk. The technician can add operators later.</source>
        <translation>Kios ini belum punya akun. Buat akun pertama untuk teknisi yang merawat kios ini. Teknisi nanti bisa menambah akun petugas.</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Nama Anda</translation>
    </message>
    <message>
        <source>PIN (4 to 8 digits)</source>
        <translation>PIN (4 sampai 8 angka)</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>Ulangi PIN</translation>
    </message>
    <message>
        <source>Create technician account</source>
        <translation>Buat akun teknisi</translation>
    </message>
    <message>
        <source>The two PINs are not the same.</source>
        <translation>Kedua PIN tidak sama.</translation>
    </message>
</context>
<context>
    <name>KioskApp</name>
    <message>
        <source>Home</source>
        <translation>Beranda</translation>
    </message>
    <message>
        <source>Merchants</source>
        <translation>Penjual</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Produk</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sinkronisasi</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Pengaturan</translation>
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
        <translation>Pilih nama Anda, lalu ketik PIN.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Masuk</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Choose your name first.</source>
        <translation>Pilih nama Anda dulu.</translation>
    </message>
    <message>
        <source>Wrong PIN too many times. Wait 30 seconds, then try again.</source>
        <translation>PIN salah terlalu sering. Tunggu 30 detik, lalu coba lagi.</translation>
    </message>
    <message>
        <source>Wrong PIN. Try again.</source>
        <translation>PIN salah. Coba lagi.</translation>
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
        <translation>Kunci</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>Something went wrong: {error}</source>
        <translation>Terjadi kesalahan: {error}</translation>
    </message>
</context>
<context>
    <name>MerchantFormPage</name>
    <message>
        <source>Share</source>
        <translation>Bagikan</translation>
    </message>
    <message>
        <source>Record consent</source>
        <translation>Catat persetujuan</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktif</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>Tidak aktif</translation>
    </message>
    <message>
        <source>{label} (WhatsApp)</source>
        <translation>{label} (WhatsApp)</translation>
    </message>
    <message>
        <source>{label} (13 digits)</source>
        <translation>{label} (13 angka)</translation>
    </message>
    <message>
        <source>Permits and email (fill in only if the owner has them)</source>
        <translation>Izin usaha dan email (isi hanya jika pemilik punya)</translation>
    </message>
    <message>
        <source>Delete merchant</source>
        <translation>Hapus penjual</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>Products of this merchant</source>
        <translation>Produk penjual ini</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Draf</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>Belum ada foto</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Tambah produk</translation>
    </message>
    <message>
        <source>Only the first {cap} characters fit here: {n} were cut off.</source>
        <translation>Di sini hanya muat {cap} huruf pertama, jadi {n} huruf sisanya dipotong.</translation>
    </message>
    <message>
        <source>Merchant</source>
        <translation>Penjual</translation>
    </message>
    <message>
        <source>Step 2 of 2: the merchant&apos;s data</source>
        <translation>Langkah 2 dari 2: data penjual</translation>
    </message>
    <message>
        <source>Kept on the server</source>
        <translation>Tersimpan di server</translation>
    </message>
    <message>
        <source>Read the new consent</source>
        <translation>Baca persetujuan baru</translation>
    </message>
    <message>
        <source>No consent recorded for this merchant yet.</source>
        <translation>Belum ada persetujuan yang tercatat untuk penjual ini.</translation>
    </message>
    <message>
        <source>Consent recorded: {version}, {date}, by {operator}</source>
        <translation>Persetujuan tercatat: {version}, {date}, oleh {operator}</translation>
    </message>
    <message>
        <source>A new consent text ({version}) is in use: read it to the owner at this visit.</source>
        <translation>Ada teks persetujuan baru ({version}). Bacakan kepada pemilik usaha pada kunjungan ini.</translation>
    </message>
    <message>
        <source>Merchant registered.</source>
        <translation>Penjual berhasil didaftarkan.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Tersimpan.</translation>
    </message>
    <message>
        <source>Type the village name, then choose it from the list.</source>
        <translation>Ketik nama desa, lalu pilih dari daftar.</translation>
    </message>
    <message>
        <source>Please fix the fields marked in red.</source>
        <translation>Perbaiki isian yang bertanda merah.</translation>
    </message>
    <message>
        <source>Delete this merchant and all their products and photos? Do this when the owner asks for their data to be deleted. It cannot be undone.</source>
        <translation>Hapus penjual ini beserta semua produk dan fotonya? Lakukan ini jika pemilik usaha meminta datanya dihapus. Data yang dihapus tidak bisa dikembalikan.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
</context>
<context>
    <name>MerchantPicker</name>
    <message>
        <source>Type the business or owner name…</source>
        <translation>Ketik nama usaha atau nama pemilik…</translation>
    </message>
    <message>
        <source>No merchant with that name</source>
        <translation>Tidak ada penjual dengan nama itu</translation>
    </message>
</context>
<context>
    <name>MerchantTableModel</name>
    <message>
        <source>Business</source>
        <translation>Usaha</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Pemilik</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>Desa</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Produk</translation>
    </message>
</context>
<context>
    <name>MerchantsPage</name>
    <message>
        <source>Merchants</source>
        <translation>Penjual</translation>
    </message>
    <message>
        <source>Register a new merchant</source>
        <translation>Daftarkan penjual baru</translation>
    </message>
    <message>
        <source>Search by business name, owner or address…</source>
        <translation>Cari nama usaha, pemilik, atau alamat…</translation>
    </message>
    <message>
        <source>{n} merchants found</source>
        <translation>{n} penjual ditemukan</translation>
    </message>
    <message>
        <source>No merchant found</source>
        <translation>Penjual tidak ditemukan</translation>
    </message>
    <message>
        <source>{n} merchants shown, newest first</source>
        <translation>{n} penjual ditampilkan, yang terbaru di atas</translation>
    </message>
</context>
<context>
    <name>PhotoEditor</name>
    <message>
        <source>Only {n} more photos fit (at most 9 per product).</source>
        <translation>Hanya muat {n} foto lagi (paling banyak 9 per produk).</translation>
    </message>
    <message>
        <source>No camera is connected to this PC. Take the photo with a phone and copy it here with a cable or a flash drive, then use &apos;From file or flash drive&apos;.</source>
        <translation>Tidak ada kamera di komputer ini. Potret produk dengan HP, salin fotonya ke sini lewat kabel atau flashdisk, lalu pakai tombol &apos;Dari berkas atau flashdisk&apos;.</translation>
    </message>
    <message>
        <source>camera photo</source>
        <translation>foto kamera</translation>
    </message>
    <message>
        <source>The file could not be read.</source>
        <translation>Berkas tidak bisa dibaca.</translation>
    </message>
</context>
<context>
    <name>PhotoStrip</name>
    <message>
        <source>From file or flash drive</source>
        <translation>Dari berkas atau flashdisk</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>◀ Move</source>
        <translation>◀ Geser</translation>
    </message>
    <message>
        <source>Move ▶</source>
        <translation>Geser ▶</translation>
    </message>
    <message>
        <source>Make main photo</source>
        <translation>Jadikan foto utama</translation>
    </message>
    <message>
        <source>Delete photo</source>
        <translation>Hapus foto</translation>
    </message>
    <message>
        <source>Main photo</source>
        <translation>Foto utama</translation>
    </message>
    <message>
        <source>{n} of {max} photos. The first photo is the main photo.</source>
        <translation>{n} dari {max} foto. Foto pertama menjadi foto utama.</translation>
    </message>
</context>
<context>
    <name>Poster</name>
    <message>
        <source>Products of {name}, order on WhatsApp: {url}</source>
        <translation>Produk {name}, pesan lewat WhatsApp: {url}</translation>
    </message>
    <message>
        <source>Scan to see our products and order on WhatsApp</source>
        <translation>Pindai kode QR ini untuk melihat produk kami dan memesan lewat WhatsApp</translation>
    </message>
</context>
<context>
    <name>PriceList</name>
    <message>
        <source>Price list: {name}</source>
        <translation>Daftar harga: {name}</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>Daftar harga</translation>
    </message>
    <message>
        <source>No published product yet.</source>
        <translation>Belum ada produk yang tampil di katalog.</translation>
    </message>
    <message>
        <source>Printed on {date}</source>
        <translation>Dicetak {date}</translation>
    </message>
    <message>
        <source>Scan to order on WhatsApp</source>
        <translation>Pindai untuk pesan lewat WhatsApp</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Produk</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Satuan</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Harga</translation>
    </message>
    <message>
        <source>Page {number} of {count}</source>
        <translation>Halaman {number} dari {count}</translation>
    </message>
</context>
<context>
    <name>ProductEditorPage</name>
    <message>
        <source>Draft (not shown yet)</source>
        <translation>Draf (belum ditampilkan)</translation>
    </message>
    <message>
        <source>Published in the catalog</source>
        <translation>Tampil di katalog</translation>
    </message>
    <message>
        <source>Delete product</source>
        <translation>Hapus produk</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>Only the first {cap} characters fit here: {n} were cut off.</source>
        <translation>Di sini hanya muat {cap} huruf pertama, jadi {n} huruf sisanya dipotong.</translation>
    </message>
    <message>
        <source>The price takes digits only, in rupiah (for example 15000); “{letters}” was left out.</source>
        <translation>Harga hanya berisi angka, dalam rupiah (misalnya 15000); “{letters}” tidak dipakai.</translation>
    </message>
    <message>
        <source>Edit product</source>
        <translation>Ubah produk</translation>
    </message>
    <message>
        <source>New product</source>
        <translation>Produk baru</translation>
    </message>
    <message>
        <source>Not shown in the catalog: {merchant} has no consent recorded yet. Record it on the merchant&apos;s page first.</source>
        <translation>Tidak tampil di katalog karena persetujuan {merchant} belum dicatat. Catat dulu di halaman penjual.</translation>
    </message>
    <message>
        <source>Not shown in the catalog: {merchant} is marked inactive.</source>
        <translation>Tidak tampil di katalog karena {merchant} berstatus tidak aktif.</translation>
    </message>
    <message>
        <source>Draft: not shown in the catalog until you choose “Published”.</source>
        <translation>Draf, belum tampil di katalog sampai Anda memilih “Tampil di katalog”.</translation>
    </message>
    <message>
        <source>Shown in the public catalog once saved and synced, on {merchant}&apos;s page: {url}</source>
        <translation>Tampil di katalog umum setelah disimpan dan disinkronkan, di halaman {merchant}: {url}</translation>
    </message>
    <message>
        <source>Shown in the public catalog once saved, after this kiosk is enrolled and has synced.</source>
        <translation>Tampil di katalog umum setelah disimpan, begitu kios ini terdaftar dan sudah disinkronkan.</translation>
    </message>
    <message>
        <source>Processing photos…</source>
        <translation>Sedang memproses foto…</translation>
    </message>
    <message>
        <source>Product saved.</source>
        <translation>Produk tersimpan.</translation>
    </message>
    <message>
        <source>Please fix the fields marked in red.</source>
        <translation>Perbaiki isian yang bertanda merah.</translation>
    </message>
    <message>
        <source>Delete this product and its photos? It cannot be undone.</source>
        <translation>Hapus produk ini beserta fotonya? Data yang dihapus tidak bisa dikembalikan.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
</context>
<context>
    <name>ProductsPage</name>
    <message>
        <source>Products</source>
        <translation>Produk</translation>
    </message>
    <message>
        <source>Add a product</source>
        <translation>Tambah produk</translation>
    </message>
    <message>
        <source>Search by product name, category or description…</source>
        <translation>Cari nama produk, kategori, atau keterangan…</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Draf</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>Belum ada foto</translation>
    </message>
    <message>
        <source>{n} products found</source>
        <translation>{n} produk ditemukan</translation>
    </message>
    <message>
        <source>No product found</source>
        <translation>Produk tidak ditemukan</translation>
    </message>
    <message>
        <source>{n} products shown, newest first; more load as you scroll</source>
        <translation>{n} produk ditampilkan, yang terbaru di atas; gulir ke bawah untuk memuat lagi</translation>
    </message>
</context>
<context>
    <name>RefusalCard</name>
    <message>
        <source>Merchant</source>
        <translation>Penjual</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Produk</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Refused by the server: {reason}</source>
        <translation>Ditolak server: {reason}</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Ubah</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>Kirim lagi</translation>
    </message>
    <message>
        <source>Delete from this kiosk</source>
        <translation>Hapus dari kios ini</translation>
    </message>
</context>
<context>
    <name>SearchPicker</name>
    <message>
        <source>Nothing found</source>
        <translation>Tidak ditemukan</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Pengaturan</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>Folder</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Folder data</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>Folder log</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Buka</translation>
    </message>
    <message>
        <source>This kiosk</source>
        <translation>Kios ini</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <source> minutes</source>
        <translation> menit</translation>
    </message>
    <message>
        <source>Lock after no use for</source>
        <translation>Kunci jika tidak dipakai selama</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Terapkan</translation>
    </message>
    <message>
        <source>Central server</source>
        <translation>Server pusat</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Alamat server</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>Kode pendaftaran</translation>
    </message>
    <message>
        <source>Enroll this kiosk</source>
        <translation>Daftarkan kios ini</translation>
    </message>
    <message>
        <source>Not enrolled yet: the data stays on this kiosk until it is.</source>
        <translation>Belum terdaftar. Data tetap di kios ini sampai kios didaftarkan.</translation>
    </message>
    <message>
        <source>Enrolled at {url} for region {region} (device {device}).</source>
        <translation>Terdaftar di {url} untuk wilayah {region} (kode kios {device}).</translation>
    </message>
    <message>
        <source>Contacting the server…</source>
        <translation>Menghubungi server…</translation>
    </message>
    <message>
        <source>Enrolled. Sending the data starts now.</source>
        <translation>Terdaftar. Pengiriman data dimulai sekarang.</translation>
    </message>
    <message>
        <source>Operator accounts</source>
        <translation>Akun petugas</translation>
    </message>
    <message>
        <source>Disable selected account</source>
        <translation>Nonaktifkan akun terpilih</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Petugas</translation>
    </message>
    <message>
        <source>Technician</source>
        <translation>Teknisi</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Peran</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Tambah akun</translation>
    </message>
    <message>
        <source>technician</source>
        <translation>teknisi</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>petugas</translation>
    </message>
    <message>
        <source>(disabled)</source>
        <translation>(nonaktif)</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Pengaturan tersimpan.</translation>
    </message>
    <message>
        <source>Account {name} added.</source>
        <translation>Akun {name} ditambahkan.</translation>
    </message>
    <message>
        <source>You cannot disable your own account.</source>
        <translation>Anda tidak bisa menonaktifkan akun Anda sendiri.</translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message>
        <source>Share</source>
        <translation>Bagikan</translation>
    </message>
    <message>
        <source>Poster {size} (PDF)</source>
        <translation>Poster {size} (PDF)</translation>
    </message>
    <message>
        <source>Copy link for WhatsApp</source>
        <translation>Salin tautan untuk WhatsApp</translation>
    </message>
    <message>
        <source>Price list A4 (PDF)</source>
        <translation>Daftar harga A4 (PDF)</translation>
    </message>
    <message>
        <source>WhatsApp Business catalog: guide</source>
        <translation>Panduan katalog WhatsApp Business</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled with a server yet, so the catalog has no address.</source>
        <translation>Kios ini belum terdaftar ke server, jadi katalog belum punya alamat.</translation>
    </message>
    <message>
        <source>Catalog page: {url}</source>
        <translation>Halaman katalog: {url}</translation>
    </message>
    <message>
        <source>Catalog for WhatsApp Business and Facebook: {url}</source>
        <translation>Katalog untuk WhatsApp Business dan Facebook: {url}</translation>
    </message>
    <message>
        <source>No consent recorded: the catalog does not show this merchant.</source>
        <translation>Katalog tidak menampilkan penjual ini karena persetujuannya belum dicatat.</translation>
    </message>
    <message>
        <source>The merchant is inactive: the catalog does not show them.</source>
        <translation>Katalog tidak menampilkan penjual ini karena statusnya tidak aktif.</translation>
    </message>
    <message>
        <source>No published product yet: the page shows no product.</source>
        <translation>Halaman katalog masih kosong karena belum ada produk yang tampil di katalog.</translation>
    </message>
    <message>
        <source>{count} published product(s) without a photo: the WhatsApp Business catalog leaves them out.</source>
        <translation>{count} produk yang tampil di katalog belum punya foto: katalog WhatsApp Business tidak memuatnya.</translation>
    </message>
    <message>
        <source>Price list saved: {path}</source>
        <translation>Daftar harga disimpan: {path}</translation>
    </message>
    <message>
        <source>The price list could not be saved: {error}</source>
        <translation>Daftar harga tidak bisa disimpan: {error}</translation>
    </message>
    <message>
        <source>The poster could not be saved: {error}</source>
        <translation>Poster tidak bisa disimpan: {error}</translation>
    </message>
    <message>
        <source>Poster saved: {path}</source>
        <translation>Poster disimpan: {path}</translation>
    </message>
    <message>
        <source>Copied. Paste it into a WhatsApp chat, group or status.</source>
        <translation>Tautan tersalin. Tempel di obrolan, grup, atau status WhatsApp.</translation>
    </message>
</context>
<context>
    <name>SyncBadge</name>
    <message>
        <source>{n} refused by the server</source>
        <translation>{n} ditolak server</translation>
    </message>
    <message>
        <source>{n} changes saved on this kiosk</source>
        <translation>{n} perubahan menunggu dikirim</translation>
    </message>
    <message>
        <source>{n} photos waiting</source>
        <translation>{n} foto menunggu dikirim</translation>
    </message>
    <message>
        <source>{n} conflicts to check</source>
        <translation>{n} data bentrok</translation>
    </message>
    <message>
        <source>Not connected to the server yet</source>
        <translation>Belum tersambung ke server</translation>
    </message>
    <message>
        <source>Sending data…</source>
        <translation>Mengirim data…</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Tidak tersambung</translation>
    </message>
    <message>
        <source>Sync failed, will retry</source>
        <translation>Sinkronisasi gagal, akan dicoba lagi</translation>
    </message>
    <message>
        <source>Server busy, trying again…</source>
        <translation>Server sibuk, dicoba lagi…</translation>
    </message>
    <message>
        <source>Online · data refused, see Sync</source>
        <translation>Tersambung · ada data ditolak, lihat Sinkronisasi</translation>
    </message>
    <message>
        <source>Online · waiting to send</source>
        <translation>Tersambung · menunggu dikirim</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <source>Online · all data sent</source>
        <translation>Tersambung · semua data terkirim</translation>
    </message>
    <message>
        <source>Last sync: {when}</source>
        <translation>Sinkronisasi terakhir: {when}</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>Belum pernah disinkronkan</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>(empty)</source>
        <translation>(kosong)</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>dihapus</translation>
    </message>
    <message>
        <source>not deleted</source>
        <translation>tidak dihapus</translation>
    </message>
    <message>
        <source>Sync with the server</source>
        <translation>Sinkronisasi dengan server</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sinkronkan sekarang</translation>
    </message>
    <message>
        <source>Save to a flash drive (USB)</source>
        <translation>Simpan ke flashdisk (USB)</translation>
    </message>
    <message>
        <source>Records: %v of %m</source>
        <translation>Data: %v dari %m</translation>
    </message>
    <message>
        <source>Refused by the server: not in the catalog</source>
        <translation>Ditolak server, jadi tidak ada di katalog</translation>
    </message>
    <message>
        <source>Merchants: has everything reached the server?</source>
        <translation>Apakah semua data penjual sudah sampai di server?</translation>
    </message>
    <message>
        <source>Merchant</source>
        <translation>Penjual</translation>
    </message>
    <message>
        <source>On the server</source>
        <translation>Di server</translation>
    </message>
    <message>
        <source>Photos waiting to be sent</source>
        <translation>Foto yang menunggu dikirim</translation>
    </message>
    <message>
        <source>No photos waiting.</source>
        <translation>Tidak ada foto yang menunggu dikirim.</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Terkirim</translation>
    </message>
    <message>
        <source>Conflicting data</source>
        <translation>Data bentrok</translation>
    </message>
    <message>
        <source>No conflicting data.</source>
        <translation>Tidak ada data bentrok.</translation>
    </message>
    <message>
        <source>full photo</source>
        <translation>foto penuh</translation>
    </message>
    <message>
        <source>thumbnail</source>
        <translation>foto kecil</translation>
    </message>
    <message>
        <source>Refused by the server: {reason}</source>
        <translation>Ditolak server: {reason}</translation>
    </message>
    <message>
        <source>Yes, all sent</source>
        <translation>Ya, semua terkirim</translation>
    </message>
    <message>
        <source>{n} changes waiting</source>
        <translation>{n} perubahan menunggu dikirim</translation>
    </message>
    <message>
        <source>{n} photos waiting</source>
        <translation>{n} foto menunggu dikirim</translation>
    </message>
    <message>
        <source>Not yet: {what}</source>
        <translation>Belum: {what}</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled with a server yet. The technician can enroll it in Settings.</source>
        <translation>Kios ini belum terdaftar di server. Teknisi bisa mendaftarkannya di Pengaturan.</translation>
    </message>
    <message>
        <source>Online. Everything has reached the server.</source>
        <translation>Tersambung. Semua data sudah sampai di server.</translation>
    </message>
    <message>
        <source>Sending and receiving data…</source>
        <translation>Mengirim dan menerima data…</translation>
    </message>
    <message>
        <source>Online. Some data is still waiting to be sent.</source>
        <translation>Tersambung. Sebagian data masih menunggu dikirim.</translation>
    </message>
    <message>
        <source>Offline. The data is safe on this kiosk.</source>
        <translation>Tidak tersambung. Data aman di kios ini.</translation>
    </message>
    <message>
        <source>The last sync did not finish; it will be tried again.</source>
        <translation>Sinkronisasi terakhir belum selesai dan akan dicoba lagi.</translation>
    </message>
    <message>
        <source>The server is busy; the data waits safely here and is sent shortly.</source>
        <translation>Server sibuk, dicoba lagi sebentar lagi. Data aman di kios ini.</translation>
    </message>
    <message>
        <source>Online, but the server refused some data: it is not in the catalog. See “Refused by the server” below.</source>
        <translation>Tersambung, tetapi server menolak sebagian data, jadi data itu tidak ada di katalog. Lihat “Ditolak server” di bawah.</translation>
    </message>
    <message>
        <source>Last complete sync: {when}.</source>
        <translation>Sinkronisasi lengkap terakhir: {when}.</translation>
    </message>
    <message>
        <source>Never synced yet.</source>
        <translation>Belum pernah disinkronkan.</translation>
    </message>
    <message>
        <source>Sync finished: {sent} changes sent, {received} received, {photos} photos uploaded.</source>
        <translation>Sinkronisasi selesai: {sent} perubahan terkirim, {received} diterima, {photos} foto diunggah.</translation>
    </message>
    <message>
        <source>{n} refused by the server: see below.</source>
        <translation>{n} ditolak server. Lihat di bawah.</translation>
    </message>
    <message>
        <source>Sync did not finish: {why}</source>
        <translation>Sinkronisasi belum selesai. {why}</translation>
    </message>
    <message>
        <source>{n} changes and {p} photos still waiting.</source>
        <translation>{n} perubahan dan {p} foto masih menunggu dikirim.</translation>
    </message>
    <message>
        <source>This kiosk is not enrolled yet: ask the technician to enroll it.</source>
        <translation>Kios ini belum terdaftar. Minta teknisi mendaftarkannya.</translation>
    </message>
    <message>
        <source>Sync started: sending and receiving…</source>
        <translation>Sinkronisasi dimulai: mengirim dan menerima…</translation>
    </message>
    <message>
        <source>Queued again ({n} changes): they go with the next sync.</source>
        <translation>{n} perubahan diantrekan lagi dan ikut sinkronisasi berikutnya.</translation>
    </message>
    <message>
        <source>Delete “{record}” from this kiosk, with everything under it? The server never accepted it. It cannot be undone.</source>
        <translation>Hapus “{record}” dari kios ini beserta semua isinya? Server belum pernah menerimanya. Data yang dihapus tidak bisa dikembalikan.</translation>
    </message>
    <message>
        <source>Delete “{record}”, here and on the server, with everything under it? It cannot be undone.</source>
        <translation>Hapus “{record}” di kios ini dan di server beserta semua isinya? Data yang dihapus tidak bisa dikembalikan.</translation>
    </message>
    <message>
        <source>Delete refused data</source>
        <translation>Hapus data yang ditolak</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Deleted.</source>
        <translation>Sudah dihapus.</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Tersimpan. Akan dikirim pada sinkronisasi berikutnya.</translation>
    </message>
    <message>
        <source>Saved. Nothing needs to be sent.</source>
        <translation>Tersimpan. Tidak ada yang perlu dikirim.</translation>
    </message>
    <message>
        <source>Only an enrolled kiosk can sign a bundle for the server. Ask the technician to enroll this kiosk.</source>
        <translation>Hanya kios yang terdaftar yang bisa menandatangani bundel untuk server. Minta teknisi mendaftarkan kios ini.</translation>
    </message>
    <message>
        <source>Save the data for the server</source>
        <translation>Simpan data untuk server</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Saved to {path}: {n} changes and {p} photos.</source>
        <translation>Disimpan ke {path}: {n} perubahan dan {p} foto.</translation>
    </message>
    <message>
        <source>This kiosk has no key to sign a bundle yet: sync once over the internet (or enroll it again), then save the bundle.</source>
        <translation>Kios ini belum punya kunci untuk menandatangani bundel. Sinkronkan sekali lewat internet (atau daftarkan ulang kios), lalu simpan bundel lagi.</translation>
    </message>
    <message>
        <source>Could not write the file: {error}</source>
        <translation>Berkas tidak bisa ditulis: {error}</translation>
    </message>
</context>
<context>
    <name>SyncRunner</name>
    <message>
        <source>No connection to the server. The data is safe on the kiosk and will be sent later.</source>
        <translation>Tidak ada sambungan ke server. Data aman di kios dan akan dikirim nanti.</translation>
    </message>
    <message>
        <source>This kiosk&apos;s access to the server was revoked. Ask a technician to enroll the kiosk again with a new enrollment code from the central admin.</source>
        <translation>Akses kios ini ke server sudah dicabut. Minta teknisi mendaftarkan ulang kios dengan kode pendaftaran baru dari admin pusat.</translation>
    </message>
    <message>
        <source>This kiosk app&apos;s version is too old for the server. Ask a technician to update the app.</source>
        <translation>Versi aplikasi kios ini sudah lama dan tidak diterima server. Minta teknisi memperbarui aplikasi.</translation>
    </message>
    <message>
        <source>The server has a problem. The data is safe here; we will try again.</source>
        <translation>Server sedang bermasalah. Data aman di kios ini dan pengiriman akan dicoba lagi.</translation>
    </message>
    <message>
        <source>Server busy, trying again shortly. The data is safe on this kiosk.</source>
        <translation>Server sibuk, dicoba lagi sebentar lagi. Data aman di kios ini.</translation>
    </message>
    <message>
        <source>The server refused the data. Ask the technician to check.</source>
        <translation>Server menolak data ini. Minta teknisi memeriksanya.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted. Ask a technician to check it.</source>
        <translation>Sertifikat server tidak tepercaya. Minta teknisi memeriksanya.</translation>
    </message>
    <message>
        <source>Sending failed; we will try again.</source>
        <translation>Pengiriman gagal dan akan dicoba lagi.</translation>
    </message>
    <message>
        <source>Server busy, trying again in {n} seconds…</source>
        <translation>Server sibuk, dicoba lagi dalam {n} detik…</translation>
    </message>
</context>
<context>
    <name>VillagePicker</name>
    <message>
        <source>Type the village name…</source>
        <translation>Ketik nama desa…</translation>
    </message>
    <message>
        <source>{villages}: outside this kiosk&apos;s region ({region}). The server would refuse it; only villages in {region} can be chosen.</source>
        <translation>{villages} di luar wilayah kios ini ({region}), jadi server akan menolaknya. Hanya desa di {region} yang bisa dipilih.</translation>
    </message>
    <message>
        <source>{village} — {district} district, {regency}</source>
        <translation>{village} — Kec. {district}, {regency}</translation>
    </message>
    <message>
        <source>No village with that name in this kiosk&apos;s region list</source>
        <translation>Tidak ada desa dengan nama itu di daftar wilayah kios ini</translation>
    </message>
</context>
</TS>
