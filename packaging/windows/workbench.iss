; Inno Setup script for the Windows installer of Text Workbench.
; Build the bundle first (packaging/workbench.spec -> dist\TextWorkbench), then:
;   iscc /DAppVersion=0.1.0 packaging\windows\workbench.iss
; Output: dist\TextWorkbench-<version>-setup.exe
; Installs per user by default (no admin prompt; users who are not
; administrators can install), or for all users when run elevated.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Text Workbench"
#define AppExe "TextWorkbench.exe"
; Paths are relative to this script's folder (packaging\windows).
#define Root "..\.."

[Setup]
; A fixed AppId ties upgrades and the uninstaller to this app; never change it.
AppId={{6B1F3C52-8E0A-4D8B-9C61-2F7A1E4B9D30}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Text Workbench team
DefaultDirName={autopf}\TextWorkbench
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=TextWorkbench-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\workbench.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; torch is most of the size; LZMA2 on solid blocks keeps the download smallest.
Compression=lzma2/max
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller one-folder bundle.
Source: "{#Root}\dist\TextWorkbench\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the app itself writes next to its files (none expected); the
; user's projects in %LOCALAPPDATA%\TextWorkbench are theirs and stay.
Type: filesandordirs; Name: "{app}\__pycache__"
