; Inno Setup 6 script: the Windows installer for the one-folder bundle.
;
; NOT RUN HERE: written on Linux, where neither the Windows bundle nor the installer can
; be built. .github/workflows/windows.yml builds the bundle on Windows and compiles this
; script with: iscc /DAppVersion=X.Y.Z build\windows\etalase-desa.iss
;
; What it does: installs build\out\etalase-desa into Program Files (per machine: the
; kiosk PC is shared), Start menu entries for the kiosk and for the technician's check
; (kiosk-app doctor), closes a running app before upgrading, runs the frozen self-test
; after installing. The kiosk's data (per-user folder, see kiosk_app/paths.py) is never
; touched by install, upgrade or uninstall; the app backs the database up itself before
; migrating it to a newer schema.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z etalase-desa.iss
#endif
#define AppName "Etalase Desa"
#define BundleDir "..\out\etalase-desa"

[Setup]
AppId={{6E1B3F0A-7C2D-4E55-9A61-3D0F5B2C8E47}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Etalase Desa
DefaultDirName={autopf}\Etalase Desa
DefaultGroupName=Etalase Desa
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\out\installer
OutputBaseFilename=etalase-desa-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running kiosk app before replacing its files (Restart Manager).
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\etalase-desa.exe

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
#if FileExists(AddBackslash(CompilerPath) + "Languages\Unofficial\Indonesian.isl")
Name: "indonesian"; MessagesFile: "compiler:Languages\Unofficial\Indonesian.isl"
#endif

[CustomMessages]
english.KioskApp=Etalase Desa (kiosk)
english.Doctor=Etalase Desa - check this kiosk (technician)
english.SelfTest=Checking the installation...
#if FileExists(AddBackslash(CompilerPath) + "Languages\Unofficial\Indonesian.isl")
indonesian.KioskApp=Etalase Desa (kios)
indonesian.Doctor=Etalase Desa - periksa kios ini (teknisi)
indonesian.SelfTest=Memeriksa hasil pemasangan...
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole bundle; an upgrade replaces the old files, and removes what the new one lacks
; (see [InstallDelete]) so no stale Qt plugin is loaded by the new version.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{cm:KioskApp}"; Filename: "{app}\etalase-desa.exe"
Name: "{group}\{cm:Doctor}"; Filename: "{cmd}"; Parameters: "/k ""{app}\kiosk-app.exe"" doctor"; WorkingDir: "{app}"
Name: "{autodesktop}\{cm:KioskApp}"; Filename: "{app}\etalase-desa.exe"; Tasks: desktopicon

[Run]
; The frozen self-test on a fresh temporary data folder (never the kiosk's own data).
Filename: "{app}\kiosk-app.exe"; Parameters: "--self-test"; StatusMsg: "{cm:SelfTest}"; Flags: runhidden waituntilterminated
Filename: "{app}\etalase-desa.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
