<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Autostart</name>
    <message>
        <source>cannot change the Run key</source>
        <translation>der Run-Schlüssel lässt sich nicht ändern</translation>
    </message>
    <message>
        <source>cannot remove %1</source>
        <translation>%1 lässt sich nicht entfernen</translation>
    </message>
</context>
<context>
    <name>Look</name>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>last seen a while ago</source>
        <translation>zuletzt vor längerer Zeit online</translation>
    </message>
    <message>
        <source>last seen today at %1</source>
        <translation>zuletzt heute um %1 online</translation>
    </message>
    <message>
        <source>last seen yesterday at %1</source>
        <translation>zuletzt gestern um %1 online</translation>
    </message>
    <message>
        <source>last seen %1 at %2</source>
        <translation>zuletzt am %1 um %2 online</translation>
    </message>
</context>
<context>
    <name>Media</name>
    <message>
        <source>Not sent</source>
        <translation>Nicht gesendet</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>Herunterladen fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message numerus="yes">
        <source>%n bytes</source>
        <translation>
            <numerusform>%n Byte</numerusform>
            <numerusform>%n Byte</numerusform>
        </translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>Video</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>Voice message</source>
        <translation>Sprachnachricht</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>PassphraseDialog</name>
    <message>
        <source>Wrong passphrase.</source>
        <translation>Falsche Passphrase.</translation>
    </message>
</context>
<context>
    <name>SystemEvent</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>you</source>
        <translation>dich</translation>
    </message>
    <message>
        <source>%1 created the group “%2”</source>
        <translation>%1 hat die Gruppe „%2“ erstellt</translation>
    </message>
    <message>
        <source>%1 added %2</source>
        <translation>%1 hat %2 hinzugefügt</translation>
    </message>
    <message>
        <source>%1 removed %2</source>
        <translation>%1 hat %2 entfernt</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 hat die Gruppe verlassen</translation>
    </message>
    <message>
        <source>%1 renamed the group to “%2”</source>
        <translation>%1 hat die Gruppe in „%2“ umbenannt</translation>
    </message>
    <message>
        <source>%1 made %2 an admin</source>
        <translation>%1 hat %2 zum Admin gemacht</translation>
    </message>
    <message>
        <source>%1 removed %2 as admin</source>
        <translation>%1 hat %2 die Admin-Rechte entzogen</translation>
    </message>
    <message>
        <source>The security code of %1 changed. They may have reinstalled; verify the code to be sure it is them.</source>
        <translation>Der Sicherheitscode von %1 hat sich geändert. Vielleicht wurde Tidings neu installiert; prüfe den Code, um sicherzugehen, dass es wirklich diese Person ist.</translation>
    </message>
    <message>
        <source>no admin signed it</source>
        <translation>kein Admin hat sie signiert</translation>
    </message>
    <message>
        <source>the signature is not its author&apos;s</source>
        <translation>die Signatur stammt nicht von ihrem Urheber</translation>
    </message>
    <message>
        <source>its author is not an admin</source>
        <translation>ihr Urheber ist kein Admin</translation>
    </message>
    <message>
        <source>it belongs to another group</source>
        <translation>sie gehört zu einer anderen Gruppe</translation>
    </message>
    <message>
        <source>it conflicts with the group&apos;s history</source>
        <translation>sie widerspricht dem Verlauf der Gruppe</translation>
    </message>
    <message>
        <source>the creator&apos;s security code could not be checked</source>
        <translation>der Sicherheitscode des Gründers ließ sich nicht prüfen</translation>
    </message>
    <message>
        <source>it breaks the group&apos;s rules</source>
        <translation>sie verstößt gegen die Regeln der Gruppe</translation>
    </message>
    <message>
        <source>it cannot be read</source>
        <translation>sie ist nicht lesbar</translation>
    </message>
    <message>
        <source>Checking a change to the members… (%1)</source>
        <translation>Eine Änderung der Mitglieder wird geprüft … (%1)</translation>
    </message>
    <message>
        <source>A change to the members was refused: %1. The server said: %2</source>
        <translation>Eine Änderung der Mitglieder wurde abgelehnt: %1. Der Server meldete: %2</translation>
    </message>
    <message>
        <source>An earlier change (%1) was sent again and ignored.</source>
        <translation>Eine frühere Änderung (%1) wurde erneut gesendet und ignoriert.</translation>
    </message>
    <message>
        <source>The server lists %1 in this group, but no admin added them. %1 gets no keys and cannot read messages.</source>
        <translation>Der Server führt %1 in dieser Gruppe, aber kein Admin hat %1 hinzugefügt. %1 erhält keine Schlüssel und kann keine Nachrichten lesen.</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>jemand</translation>
    </message>
    <message>
        <source>%1 confirmed this group&apos;s member list. From now on only changes an admin signs count.</source>
        <translation>%1 hat die Mitgliederliste dieser Gruppe bestätigt. Ab jetzt zählen nur Änderungen, die ein Admin signiert.</translation>
    </message>
    <message>
        <source>%1 sees another member list of this group than you do: the server may be showing members different lists. Check the members with an admin in person.</source>
        <translation>%1 sieht eine andere Mitgliederliste dieser Gruppe als du: Der Server zeigt Mitgliedern womöglich verschiedene Listen. Prüfe die Mitglieder persönlich mit einem Admin.</translation>
    </message>
    <message>
        <source>Someone</source>
        <translation>Jemand</translation>
    </message>
    <message>
        <source>The security code of %1 changed because a device of theirs was removed. Their previous key vouched for the new one; verify the code again if you had.</source>
        <translation>Der Sicherheitscode von %1 hat sich geändert, weil eines der Geräte dieser Person entfernt wurde. Der bisherige Schlüssel hat den neuen bestätigt; prüfe den Code erneut, falls du ihn geprüft hattest.</translation>
    </message>
    <message>
        <source>%1 recovered their account with their recovery key, so their security code changed. Verify the code to be sure it is them.</source>
        <translation>%1 hat das Konto mit dem Wiederherstellungsschlüssel wiederhergestellt, daher hat sich der Sicherheitscode geändert. Prüfe den Code, um sicherzugehen, dass es wirklich diese Person ist.</translation>
    </message>
    <message>
        <source>Your new security code is now recorded in this group. Your previous key signs nothing here any more.</source>
        <translation>Dein neuer Sicherheitscode ist jetzt in dieser Gruppe hinterlegt. Dein bisheriger Schlüssel unterschreibt hier nichts mehr.</translation>
    </message>
    <message>
        <source>%1&apos;s new security code is now recorded in this group. Their previous key signs nothing here any more.</source>
        <translation>Der neue Sicherheitscode von %1 ist jetzt in dieser Gruppe hinterlegt. Der bisherige Schlüssel unterschreibt hier nichts mehr.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Tidings, a self-hosted messenger.</source>
        <translation>Tidings, ein selbst gehosteter Messenger.</translation>
    </message>
    <message>
        <source>Profile directory (account, cache, secrets).</source>
        <translation>Profilordner (Konto, Cache, Geheimnisse).</translation>
    </message>
    <message>
        <source>Server address, e.g. ws://127.0.0.1:7700.</source>
        <translation>Serveradresse, z. B. ws://127.0.0.1:7700.</translation>
    </message>
    <message>
        <source>system, light or dark.</source>
        <translation>system, light oder dark.</translation>
    </message>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>Cannot open the profile %1: %2</source>
        <translation>Das Profil %1 lässt sich nicht öffnen: %2</translation>
    </message>
    <message>
        <source>Open the chat with this user or group at start.</source>
        <translation>Beim Start den Chat mit dieser Person oder Gruppe öffnen.</translation>
    </message>
    <message>
        <source>Show that Tidings waits for the system keyring after this many milliseconds (it never gives up).</source>
        <translation>Nach so vielen Millisekunden zeigen, dass Tidings auf den Schlüsselbund des Systems wartet (es gibt nie auf).</translation>
    </message>
    <message>
        <source>Look after the server running on this data directory.</source>
        <translation>Den Server betreuen, der auf diesem Datenverzeichnis läuft.</translation>
    </message>
    <message>
        <source>Ask the first-run questions again.</source>
        <translation>Die Fragen des ersten Starts erneut stellen.</translation>
    </message>
    <message>
        <source>Start in the tray without opening the window.</source>
        <translation>Im Infobereich starten, ohne das Fenster zu öffnen.</translation>
    </message>
</context>
<context>
    <name>tidings::admin::AdminWindow</name>
    <message>
        <source>Tidings Server</source>
        <translation>Tidings-Server</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Sicherungen</translation>
    </message>
</context>
<context>
    <name>tidings::admin::BackupsPage</name>
    <message>
        <source>Back up now</source>
        <translation>Jetzt sichern</translation>
    </message>
    <message>
        <source>Back up every day at</source>
        <translation>Jeden Tag sichern um</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Show folder</source>
        <translation>Ordner zeigen</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>Wiederherstellen …</translation>
    </message>
    <message>
        <source>Run the server on the restored data</source>
        <translation>Den Server mit den wiederhergestellten Daten betreiben</translation>
    </message>
    <message>
        <source>Back up</source>
        <translation>Sichern</translation>
    </message>
    <message>
        <source>A backup holds the database, every media file and the server&apos;s settings and certificate, in one archive. The server keeps serving while it is made.</source>
        <translation>Eine Sicherung enthält die Datenbank, alle Mediendateien sowie die Einstellungen und das Zertifikat des Servers in einem Archiv. Der Server arbeitet weiter, während sie entsteht.</translation>
    </message>
    <message>
        <source>Daily backup</source>
        <translation>Tägliche Sicherung</translation>
    </message>
    <message>
        <source>Hour of the daily backup</source>
        <translation>Uhrzeit der täglichen Sicherung</translation>
    </message>
    <message>
        <source>keep the newest </source>
        <translation>die neuesten behalten: </translation>
    </message>
    <message>
        <source>Backups to keep</source>
        <translation>Aufzubewahrende Sicherungen</translation>
    </message>
    <message>
        <source>Backups in %1</source>
        <translation>Sicherungen in %1</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archiv</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Made</source>
        <translation>Erstellt</translation>
    </message>
    <message numerus="yes">
        <source>Writing the archive: %1, %n media file(s)…</source>
        <translation>
            <numerusform>Das Archiv wird geschrieben: %1, %n Mediendatei …</numerusform>
            <numerusform>Das Archiv wird geschrieben: %1, %n Mediendateien …</numerusform>
        </translation>
    </message>
    <message>
        <source>Copying the database…</source>
        <translation>Die Datenbank wird kopiert …</translation>
    </message>
    <message>
        <source>Waiting to begin…</source>
        <translation>Warte auf den Beginn …</translation>
    </message>
    <message>
        <source>The last backup failed.</source>
        <translation>Die letzte Sicherung ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>Last backup: %1, %2</source>
        <translation>Letzte Sicherung: %1, %2</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
    <message>
        <source>Backup to restore</source>
        <translation>Wiederherzustellende Sicherung</translation>
    </message>
    <message>
        <source>Tidings backups (*.tar);;All files (*)</source>
        <translation>Tidings-Sicherungen (*.tar);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>An empty folder for the restored data</source>
        <translation>Ein leerer Ordner für die wiederhergestellten Daten</translation>
    </message>
    <message>
        <source>Restoring %1 into %2…</source>
        <translation>%1 wird in %2 wiederhergestellt …</translation>
    </message>
    <message>
        <source>The restore failed: %1</source>
        <translation>Die Wiederherstellung ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Restored into %1. The server still runs on its old data until you switch to the restored data.</source>
        <translation>In %1 wiederhergestellt. Der Server läuft weiter mit seinen alten Daten, bis du zu den wiederhergestellten Daten wechselst.</translation>
    </message>
    <message>
        <source>Restored into %1. Point the service at it (data-dir in its config file) and restart it.</source>
        <translation>In %1 wiederhergestellt. Richte den Dienst darauf aus (data-dir in seiner Konfigurationsdatei) und starte ihn neu.</translation>
    </message>
    <message>
        <source>Cannot run %1.</source>
        <translation>%1 lässt sich nicht ausführen.</translation>
    </message>
</context>
<context>
    <name>tidings::admin::LogPage</name>
    <message>
        <source>Follow</source>
        <translation>Mitlaufen</translation>
    </message>
    <message>
        <source>Show only lines containing…</source>
        <translation>Nur Zeilen mit …</translation>
    </message>
    <message>
        <source>Filter the log</source>
        <translation>Protokoll filtern</translation>
    </message>
    <message>
        <source>Keep the newest line in view</source>
        <translation>Die neueste Zeile im Blick behalten</translation>
    </message>
    <message>
        <source>Server log</source>
        <translation>Serverprotokoll</translation>
    </message>
</context>
<context>
    <name>tidings::admin::ServerSupervisor</name>
    <message>
        <source>cannot start %1: %2</source>
        <translation>%1 lässt sich nicht starten: %2</translation>
    </message>
    <message>
        <source>tidingsd stopped unexpectedly; starting it again in %1 s</source>
        <translation>tidingsd wurde unerwartet beendet; Neustart in %1 s</translation>
    </message>
    <message>
        <source>tidingsd exited with status %1; starting it again in %2 s</source>
        <translation>tidingsd wurde mit Status %1 beendet; Neustart in %2 s</translation>
    </message>
</context>
<context>
    <name>tidings::admin::SettingsPage</name>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Create invite code</source>
        <translation>Einladungscode erstellen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Open: anyone who reaches the server</source>
        <translation>Offen: alle, die den Server erreichen</translation>
    </message>
    <message>
        <source>By invitation: with an invite code</source>
        <translation>Auf Einladung: mit einem Einladungscode</translation>
    </message>
    <message>
        <source>Closed: only accounts you create</source>
        <translation>Geschlossen: nur Konten, die du anlegst</translation>
    </message>
    <message>
        <source>Who may create an account</source>
        <translation>Wer ein Konto erstellen darf</translation>
    </message>
    <message>
        <source>New accounts:</source>
        <translation>Neue Konten:</translation>
    </message>
    <message>
        <source>forever</source>
        <translation>für immer</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>Keep history for</source>
        <translation>Verlauf aufbewahren für</translation>
    </message>
    <message>
        <source>Keep history:</source>
        <translation>Verlauf aufbewahren:</translation>
    </message>
    <message>
        <source>Invite codes</source>
        <translation>Einladungscodes</translation>
    </message>
    <message>
        <source>for </source>
        <translation>für </translation>
    </message>
    <message>
        <source> account(s)</source>
        <translation> Konto/Konten</translation>
    </message>
    <message>
        <source>valid </source>
        <translation>gültig </translation>
    </message>
    <message>
        <source>Who it is for (optional)</source>
        <translation>Für wen (optional)</translation>
    </message>
    <message>
        <source>A new code shows here once: copy it and hand it over</source>
        <translation>Ein neuer Code erscheint hier einmal: kopiere ihn und gib ihn weiter</translation>
    </message>
    <message>
        <source>New invite code</source>
        <translation>Neuer Einladungscode</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>For</source>
        <translation>Für</translation>
    </message>
    <message>
        <source>Uses left</source>
        <translation>Übrige Nutzungen</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
    <message>
        <source>The code is shown only now: copy it and hand it over.</source>
        <translation>Der Code wird nur jetzt gezeigt: kopiere ihn und gib ihn weiter.</translation>
    </message>
    <message>
        <source>The invite code no longer works.</source>
        <translation>Der Einladungscode funktioniert nicht mehr.</translation>
    </message>
    <message>
        <source>while a message shows it</source>
        <translation>solange eine Nachricht sie zeigt</translation>
    </message>
    <message>
        <source> days after last sent</source>
        <translation> Tage nach dem letzten Senden</translation>
    </message>
    <message>
        <source>Keep photos and files for</source>
        <translation>Fotos und Dateien aufbewahren für</translation>
    </message>
    <message>
        <source>Keep photos and files:</source>
        <translation>Fotos und Dateien aufbewahren:</translation>
    </message>
</context>
<context>
    <name>tidings::admin::SetupWizard</name>
    <message>
        <source>Choose…</source>
        <translation>Auswählen …</translation>
    </message>
    <message>
        <source>Run a Tidings server on this computer</source>
        <translation>Einen Tidings-Server auf diesem Computer betreiben</translation>
    </message>
    <message>
        <source>Look after the server that runs as a service here</source>
        <translation>Den Server betreuen, der hier als Dienst läuft</translation>
    </message>
    <message>
        <source>Only this computer (for trying it out)</source>
        <translation>Nur dieser Computer (zum Ausprobieren)</translation>
    </message>
    <message>
        <source>Other computers: the local network or the internet</source>
        <translation>Andere Computer: das lokale Netz oder das Internet</translation>
    </message>
    <message>
        <source>Use my own certificate (e.g. from Let&apos;s Encrypt)</source>
        <translation>Mein eigenes Zertifikat verwenden (z. B. von Let&apos;s Encrypt)</translation>
    </message>
    <message>
        <source>Anyone who reaches the server</source>
        <translation>Alle, die den Server erreichen</translation>
    </message>
    <message>
        <source>Only people with an invite code you give them</source>
        <translation>Nur Leute mit einem Einladungscode von dir</translation>
    </message>
    <message>
        <source>Nobody: you create the accounts</source>
        <translation>Niemand: du legst die Konten an</translation>
    </message>
    <message>
        <source>Set up Tidings Server</source>
        <translation>Tidings-Server einrichten</translation>
    </message>
    <message>
        <source>Where the server lives</source>
        <translation>Wo der Server wohnt</translation>
    </message>
    <message>
        <source>Tidings keeps its database, photos and files in one directory.</source>
        <translation>Tidings bewahrt Datenbank, Fotos und Dateien in einem Verzeichnis auf.</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>Datenverzeichnis</translation>
    </message>
    <message>
        <source>&amp;Data directory:</source>
        <translation>&amp;Datenverzeichnis:</translation>
    </message>
    <message>
        <source>Back it up with the rest of your files: it is everything the server has. A service installed from the package keeps it in /var/lib/tidings.</source>
        <translation>Sichere es mit deinen übrigen Dateien: Es ist alles, was der Server hat. Ein aus dem Paket installierter Dienst bewahrt es in /var/lib/tidings auf.</translation>
    </message>
    <message>
        <source>Who connects</source>
        <translation>Wer sich verbindet</translation>
    </message>
    <message>
        <source>The address and port your users&apos; Tidings apps connect to.</source>
        <translation>Adresse und Port, mit denen sich die Tidings-Apps deiner Leute verbinden.</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>For other computers the connection is encrypted (wss://). Unless you give your own certificate, the server makes one on its first start; your users then compare its fingerprint, which you copy from the tray menu, with what their app shows.</source>
        <translation>Für andere Computer ist die Verbindung verschlüsselt (wss://). Wenn du kein eigenes Zertifikat angibst, erstellt der Server beim ersten Start eines; deine Leute vergleichen dann seinen Fingerabdruck, den du im Menü des Symbols kopierst, mit dem, den ihre App zeigt.</translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation>Zertifikatsdatei</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>Schlüsseldatei</translation>
    </message>
    <message>
        <source>&amp;Certificate (PEM):</source>
        <translation>&amp;Zertifikat (PEM):</translation>
    </message>
    <message>
        <source>&amp;Key (PEM):</source>
        <translation>&amp;Schlüssel (PEM):</translation>
    </message>
    <message>
        <source>Who may create an account</source>
        <translation>Wer ein Konto erstellen darf</translation>
    </message>
    <message>
        <source>You can change this later in the Settings page.</source>
        <translation>Du kannst das später unter „Einstellungen“ ändern.</translation>
    </message>
    <message>
        <source>Invite codes are made in the Settings page, each for one or more accounts, for a week or longer.</source>
        <translation>Einladungscodes erstellst du unter „Einstellungen“, jeweils für ein oder mehrere Konten, für eine Woche oder länger.</translation>
    </message>
    <message>
        <source>Choose a data directory.</source>
        <translation>Wähle ein Datenverzeichnis.</translation>
    </message>
    <message>
        <source>Choose the certificate and its key, or let the server make a certificate.</source>
        <translation>Wähle das Zertifikat und seinen Schlüssel oder lass den Server ein Zertifikat erstellen.</translation>
    </message>
    <message>
        <source>Cannot create %1.</source>
        <translation>%1 lässt sich nicht anlegen.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 lässt sich nicht schreiben: %2</translation>
    </message>
</context>
<context>
    <name>tidings::admin::StatusPage</name>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T %2 h</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation>Zertifikat:</translation>
    </message>
    <message>
        <source>Running for:</source>
        <translation>Läuft seit:</translation>
    </message>
    <message>
        <source>Devices connected:</source>
        <translation>Verbundene Geräte:</translation>
    </message>
    <message>
        <source>Messages per second:</source>
        <translation>Nachrichten pro Sekunde:</translation>
    </message>
    <message>
        <source>Messages stored:</source>
        <translation>Gespeicherte Nachrichten:</translation>
    </message>
    <message>
        <source>Accounts:</source>
        <translation>Konten:</translation>
    </message>
    <message>
        <source>Registration:</source>
        <translation>Registrierung:</translation>
    </message>
    <message>
        <source>Database:</source>
        <translation>Datenbank:</translation>
    </message>
    <message>
        <source>Media:</source>
        <translation>Medien:</translation>
    </message>
    <message>
        <source>Free disk space:</source>
        <translation>Freier Speicherplatz:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>Version:</translation>
    </message>
    <message>
        <source>Copy the certificate fingerprint</source>
        <translation>Fingerabdruck des Zertifikats kopieren</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>Neu starten</translation>
    </message>
    <message>
        <source>Waiting for the server…</source>
        <translation>Warte auf den Server …</translation>
    </message>
    <message>
        <source>none (plain ws://)</source>
        <translation>keines (unverschlüsseltes ws://)</translation>
    </message>
    <message>
        <source>open to anyone</source>
        <translation>offen für alle</translation>
    </message>
    <message>
        <source>by invitation</source>
        <translation>auf Einladung</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Startet …</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Hält an …</translation>
    </message>
    <message numerus="yes">
        <source>The server stopped unexpectedly; starting it again in %n s</source>
        <translation>
            <numerusform>Der Server wurde unerwartet beendet; Neustart in %n s</numerusform>
            <numerusform>Der Server wurde unerwartet beendet; Neustart in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Not answering: %1</source>
        <translation>Antwortet nicht: %1</translation>
    </message>
    <message>
        <source>Messages waiting for offline devices:</source>
        <translation>Nachrichten, die auf Geräte offline warten:</translation>
    </message>
</context>
<context>
    <name>tidings::admin::TrayApp</name>
    <message>
        <source>Tidings Server</source>
        <translation>Tidings-Server</translation>
    </message>
    <message>
        <source>Open Tidings Server…</source>
        <translation>Tidings-Server öffnen …</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>Neu starten</translation>
    </message>
    <message>
        <source>The Tidings server stopped unexpectedly</source>
        <translation>Der Tidings-Server wurde unerwartet beendet</translation>
    </message>
    <message numerus="yes">
        <source>It is started again in %n s. Its last words: %1</source>
        <translation>
            <numerusform>Er startet in %n s neu. Seine letzten Worte: %1</numerusform>
            <numerusform>Er startet in %n s neu. Seine letzten Worte: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Copy the server&apos;s address</source>
        <translation>Adresse des Servers kopieren</translation>
    </message>
    <message>
        <source>Copy the certificate fingerprint</source>
        <translation>Fingerabdruck des Zertifikats kopieren</translation>
    </message>
    <message>
        <source>Start at login</source>
        <translation>Bei der Anmeldung starten</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>The server runs as a service; its log is where the service manager keeps it.</source>
        <translation>Der Server läuft als Dienst; sein Protokoll liegt dort, wo der Dienstverwalter es aufbewahrt.</translation>
    </message>
    <message>
        <source>the server is not running</source>
        <translation>der Server läuft nicht</translation>
    </message>
    <message>
        <source>The server&apos;s disk is almost full</source>
        <translation>Der Datenträger des Servers ist fast voll</translation>
    </message>
    <message>
        <source>%1 free. New photos and files are refused when it is full; free space or move the data directory.</source>
        <translation>%1 frei. Ist er voll, werden neue Fotos und Dateien abgelehnt; schaffe Platz oder verschiebe das Datenverzeichnis.</translation>
    </message>
    <message>
        <source>Tidings Server: %1</source>
        <translation>Tidings-Server: %1</translation>
    </message>
    <message>
        <source>Restored data</source>
        <translation>Wiederhergestellte Daten</translation>
    </message>
    <message>
        <source>%1 has no tidingsd.conf: answer the first-run questions again (tidings-admin --setup) with that folder.</source>
        <translation>%1 enthält keine tidingsd.conf: beantworte die Fragen des ersten Starts erneut (tidings-admin --setup) mit diesem Ordner.</translation>
    </message>
</context>
<context>
    <name>tidings::admin::UsersModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Logins and connections are refused until you enable the account again.</source>
        <translation>Anmeldungen und Verbindungen werden abgelehnt, bis du das Konto wieder freigibst.</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
</context>
<context>
    <name>tidings::admin::UsersPage</name>
    <message>
        <source>New account…</source>
        <translation>Neues Konto …</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Sperren</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>Passwort zurücksetzen …</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen …</translation>
    </message>
    <message>
        <source>Search by username or name</source>
        <translation>Nach Benutzername oder Name suchen</translation>
    </message>
    <message>
        <source>Search accounts</source>
        <translation>Konten suchen</translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Freigeben</translation>
    </message>
    <message>
        <source>%1 is disabled: its devices were cut off and cannot log in.</source>
        <translation>%1 ist gesperrt: Die Geräte wurden getrennt und können sich nicht anmelden.</translation>
    </message>
    <message>
        <source>%1 is enabled again.</source>
        <translation>%1 ist wieder freigegeben.</translation>
    </message>
    <message>
        <source>New account</source>
        <translation>Neues Konto</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Password for %1 (at least 8 characters):</source>
        <translation>Passwort für %1 (mindestens 8 Zeichen):</translation>
    </message>
    <message>
        <source>%1 can log in now.</source>
        <translation>%1 kann sich jetzt anmelden.</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>Passwort zurücksetzen</translation>
    </message>
    <message>
        <source>New password for %1. Every device of the account is logged out.</source>
        <translation>Neues Passwort für %1. Alle Geräte des Kontos werden abgemeldet.</translation>
    </message>
    <message>
        <source>The password of %1 is reset; its devices were logged out.</source>
        <translation>Das Passwort von %1 ist zurückgesetzt; die Geräte wurden abgemeldet.</translation>
    </message>
    <message>
        <source>Delete account</source>
        <translation>Konto löschen</translation>
    </message>
    <message>
        <source>Delete the account %1? Its devices are logged out and its contacts, groups and keys are gone; messages it sent stay.</source>
        <translation>Das Konto %1 löschen? Die Geräte werden abgemeldet, Kontakte, Gruppen und Schlüssel sind weg; gesendete Nachrichten bleiben.</translation>
    </message>
    <message>
        <source>%1 is deleted.</source>
        <translation>%1 ist gelöscht.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::AttachSheet</name>
    <message>
        <source>Send photos and videos as files (original quality)</source>
        <translation>Fotos und Videos als Dateien senden (Originalqualität)</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>Dateien senden</translation>
    </message>
    <message>
        <source>Send to %1</source>
        <translation>An %1 senden</translation>
    </message>
    <message>
        <source>Files to send</source>
        <translation>Zu sendende Dateien</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <source>Add a caption…</source>
        <translation>Bildunterschrift hinzufügen …</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>Bildunterschrift</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>%1: not a file</source>
        <translation>%1: keine Datei</translation>
    </message>
    <message>
        <source>%1: the file is empty</source>
        <translation>%1: die Datei ist leer</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>%1, %2, %3</source>
        <translation>%1, %2, %3</translation>
    </message>
    <message>
        <source>Left out: %1</source>
        <translation>Weggelassen: %1</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Zusammenfassung</translation>
    </message>
    <message>
        <source>1 file, %1</source>
        <translation>1 Datei, %1</translation>
    </message>
    <message numerus="yes">
        <source>%n files, %1</source>
        <translation>
            <numerusform>%n Datei, %1</numerusform>
            <numerusform>%n Dateien, %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>tidings::ui::AudioPlayback</name>
    <message>
        <source>This audio cannot be played.</source>
        <translation>Diese Audiodatei lässt sich nicht abspielen.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::AudioRow</name>
    <message>
        <source>Voice message</source>
        <translation>Sprachnachricht</translation>
    </message>
    <message>
        <source>Playback speed</source>
        <translation>Wiedergabegeschwindigkeit</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::CertificatePrompt</name>
    <message>
        <source>The server&apos;s certificate changed</source>
        <translation>Das Zertifikat des Servers hat sich geändert</translation>
    </message>
    <message>
        <source>Check the server&apos;s certificate</source>
        <translation>Prüfe das Zertifikat des Servers</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 presents another certificate than the one you trusted.&lt;/b&gt;&lt;p&gt;Someone may be intercepting your connection. Ask the server&apos;s admin whether they replaced the certificate, and compare the new fingerprint with theirs, before you go on.&lt;/p&gt;</source>
        <translation>&lt;b&gt;%1 zeigt ein anderes Zertifikat als das, dem du vertraut hast.&lt;/b&gt;&lt;p&gt;Jemand könnte deine Verbindung abfangen. Frag die Admins des Servers, ob sie das Zertifikat ersetzt haben, und vergleiche den neuen Fingerabdruck mit ihrem, bevor du weitermachst.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Trusted before:&lt;/p&gt;</source>
        <translation>&lt;p&gt;Bisher vertraut:&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Presented now:&lt;/p&gt;</source>
        <translation>&lt;p&gt;Jetzt vorgelegt:&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Trust the new certificate</source>
        <translation>Dem neuen Zertifikat vertrauen</translation>
    </message>
    <message>
        <source>Stay disconnected</source>
        <translation>Nicht verbinden</translation>
    </message>
    <message>
        <source>&lt;b&gt;No authority this computer trusts has signed the certificate of %1.&lt;/b&gt;&lt;p&gt;That is normal for a server whose admin made its certificate themselves, but only if its fingerprint is the one the admin gave you. Compare every pair:&lt;/p&gt;</source>
        <translation>&lt;b&gt;Keine Stelle, der dieser Computer vertraut, hat das Zertifikat von %1 unterschrieben.&lt;/b&gt;&lt;p&gt;Das ist normal für einen Server, dessen Admins ihr Zertifikat selbst erstellt haben – aber nur, wenn sein Fingerabdruck der ist, den sie dir gegeben haben. Vergleiche jedes Paar:&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Tidings remembers this certificate for this account and warns you if it ever changes.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Tidings merkt sich dieses Zertifikat für dieses Konto und warnt dich, falls es sich jemals ändert.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Trust this certificate</source>
        <translation>Diesem Zertifikat vertrauen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChangePasswordDialog</name>
    <message>
        <source>Current password</source>
        <translation>Aktuelles Passwort</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Neues Passwort</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>Neues Passwort wiederholen</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Passwort ändern</translation>
    </message>
    <message>
        <source>Changing your password logs out all your other devices. Log them in with the new password and link them again afterwards.</source>
        <translation>Wenn du dein Passwort änderst, werden alle deine anderen Geräte abgemeldet. Melde sie danach mit dem neuen Passwort an und verknüpfe sie erneut.</translation>
    </message>
    <message>
        <source>Current password:</source>
        <translation>Aktuelles Passwort:</translation>
    </message>
    <message>
        <source>New password:</source>
        <translation>Neues Passwort:</translation>
    </message>
    <message>
        <source>Repeat it:</source>
        <translation>Wiederholen:</translation>
    </message>
    <message>
        <source>Only a linked device can change the password. Link this device from one of your others first.</source>
        <translation>Nur ein verknüpftes Gerät kann das Passwort ändern. Verknüpfe dieses Gerät zuerst über eines deiner anderen.</translation>
    </message>
    <message>
        <source>The new password needs at least %1 characters.</source>
        <translation>Das neue Passwort braucht mindestens %1 Zeichen.</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>Die beiden neuen Passwörter sind verschieden.</translation>
    </message>
    <message>
        <source>The new password is the current one.</source>
        <translation>Das neue Passwort ist das aktuelle.</translation>
    </message>
    <message>
        <source>Changing…</source>
        <translation>Wird geändert…</translation>
    </message>
    <message>
        <source>Password changed. Your other devices were logged out.</source>
        <translation>Passwort geändert. Deine anderen Geräte wurden abgemeldet.</translation>
    </message>
    <message>
        <source>the current password is wrong</source>
        <translation>das aktuelle Passwort ist falsch</translation>
    </message>
    <message>
        <source>too many attempts; try again in a minute</source>
        <translation>zu viele Versuche; versuche es in einer Minute erneut</translation>
    </message>
    <message>
        <source>no connection to the server</source>
        <translation>keine Verbindung zum Server</translation>
    </message>
    <message>
        <source>Not changed: %1</source>
        <translation>Nicht geändert: %1</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChatInfoPanel</name>
    <message>
        <source>Chat info</source>
        <translation>Chat-Info</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Photos and videos</source>
        <translation>Fotos und Videos</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <source>Links</source>
        <translation>Links</translation>
    </message>
    <message>
        <source>Media</source>
        <translation>Medien</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChatListDelegate</name>
    <message>
        <source>Draft:</source>
        <translation>Entwurf:</translation>
    </message>
    <message>
        <source>No messages yet</source>
        <translation>Noch keine Nachrichten</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChatListModel</name>
    <message>
        <source>Chat %1</source>
        <translation>Chat %1</translation>
    </message>
    <message numerus="yes">
        <source>%1, %n unread</source>
        <translation>
            <numerusform>%1, %n ungelesen</numerusform>
            <numerusform>%1, %n ungelesen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChatListPanel</name>
    <message>
        <source>Search (Ctrl+F)</source>
        <translation>Suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Search chats and messages</source>
        <translation>Chats und Nachrichten durchsuchen</translation>
    </message>
    <message>
        <source>New chat (Ctrl+N)</source>
        <translation>Neuer Chat (Strg+N)</translation>
    </message>
    <message>
        <source>New group (Ctrl+G)</source>
        <translation>Neue Gruppe (Strg+G)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message>
        <source>Unpin chat</source>
        <translation>Chat lösen</translation>
    </message>
    <message>
        <source>Pin chat</source>
        <translation>Chat anheften</translation>
    </message>
    <message>
        <source>Unmute notifications</source>
        <translation>Benachrichtigungen einschalten</translation>
    </message>
    <message>
        <source>Mute notifications</source>
        <translation>Stummschalten</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Als gelesen markieren</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ChatMediaModel</name>
    <message>
        <source>%1 “%2”, %3</source>
        <translation>%1 „%2“, %3</translation>
    </message>
</context>
<context>
    <name>tidings::ui::Composer</name>
    <message>
        <source>Send (Enter)</source>
        <translation>Senden (Eingabetaste)</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>Composer error</source>
        <translation>Fehler beim Schreiben</translation>
    </message>
    <message>
        <source>Send the voice message</source>
        <translation>Sprachnachricht senden</translation>
    </message>
    <message>
        <source>Record a voice message</source>
        <translation>Sprachnachricht aufnehmen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ComposerEdit</name>
    <message>
        <source>Write a message…</source>
        <translation>Nachricht schreiben …</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ConnectionBanner</name>
    <message>
        <source>Connection status</source>
        <translation>Verbindungsstatus</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message numerus="yes">
        <source>Reconnecting in %n s</source>
        <translation>
            <numerusform>Neuer Versuch in %n s</numerusform>
            <numerusform>Neuer Versuch in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline — messages will be sent when you reconnect</source>
        <translation>Offline – Nachrichten werden gesendet, sobald die Verbindung wieder steht</translation>
    </message>
    <message>
        <source>Use here</source>
        <translation>Hier verwenden</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ConversationMedia</name>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>The pasted picture could not be prepared.</source>
        <translation>Das eingefügte Bild konnte nicht vorbereitet werden.</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Nicht gesendet: %1</translation>
    </message>
    <message>
        <source>The file could not be saved to %1.</source>
        <translation>Die Datei konnte nicht unter %1 gespeichert werden.</translation>
    </message>
    <message>
        <source>Save file</source>
        <translation>Datei speichern</translation>
    </message>
    <message>
        <source>Cancel transfer</source>
        <translation>Übertragung abbrechen</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open with system application</source>
        <translation>Mit Systemanwendung öffnen</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter …</translation>
    </message>
    <message>
        <source>Delete from this device</source>
        <translation>Von diesem Gerät löschen</translation>
    </message>
    <message>
        <source>Not deleted: %1</source>
        <translation>Nicht gelöscht: %1</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ConversationView</name>
    <message>
        <source>Choose a chat on the left, or start a new one with Ctrl+N.</source>
        <translation>Wähle links einen Chat oder beginne mit Strg+N einen neuen.</translation>
    </message>
    <message>
        <source>Chat name</source>
        <translation>Chatname</translation>
    </message>
    <message>
        <source>Presence</source>
        <translation>Online-Status</translation>
    </message>
    <message>
        <source>Group info</source>
        <translation>Gruppeninfo</translation>
    </message>
    <message>
        <source>Chat options</source>
        <translation>Chat-Optionen</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>schreibt …</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 schreibt …</translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n Person schreibt …</numerusform>
            <numerusform>%n Personen schreiben …</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n members</source>
        <translation>
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
        </translation>
    </message>
    <message>
        <source>You are no longer a member</source>
        <translation>Du bist kein Mitglied mehr</translation>
    </message>
    <message>
        <source>online</source>
        <translation>online</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Text kopieren</translation>
    </message>
    <message>
        <source>Message info</source>
        <translation>Nachrichteninfo</translation>
    </message>
    <message>
        <source>Unpin chat</source>
        <translation>Chat lösen</translation>
    </message>
    <message>
        <source>Pin chat</source>
        <translation>Chat anheften</translation>
    </message>
    <message>
        <source>Unmute notifications</source>
        <translation>Benachrichtigungen einschalten</translation>
    </message>
    <message>
        <source>Mute notifications</source>
        <translation>Stummschalten</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Bestätigen</translation>
    </message>
    <message>
        <source>Security code changed</source>
        <translation>Sicherheitscode geändert</translation>
    </message>
    <message>
        <source>Verify…</source>
        <translation>Überprüfen …</translation>
    </message>
    <message>
        <source>Verify security code</source>
        <translation>Sicherheitscode überprüfen</translation>
    </message>
    <message>
        <source>Acknowledge the new security code</source>
        <translation>Den neuen Sicherheitscode bestätigen</translation>
    </message>
    <message>
        <source>Verify security code…</source>
        <translation>Sicherheitscode überprüfen …</translation>
    </message>
    <message>
        <source>%1&apos;s security code changed. This happens when they reinstall or use a new account key; verify it if you want to be sure.</source>
        <translation>Der Sicherheitscode von %1 hat sich geändert. Das passiert bei einer Neuinstallation oder einem neuen Kontoschlüssel; überprüfe ihn, wenn du sicher sein willst.</translation>
    </message>
    <message>
        <source>Not acknowledged: %1</source>
        <translation>Nicht bestätigt: %1</translation>
    </message>
    <message>
        <source>Chat info</source>
        <translation>Chat-Info</translation>
    </message>
    <message>
        <source>Media, files and links</source>
        <translation>Medien, Dateien und Links</translation>
    </message>
    <message>
        <source>The security codes of %1 changed. Verify them if you want to be sure.</source>
        <translation>Die Sicherheitscodes von %1 haben sich geändert. Prüfe sie, wenn du sichergehen willst.</translation>
    </message>
    <message>
        <source>Your messages here wait until you acknowledge.</source>
        <translation>Deine Nachrichten hier warten, bis du bestätigst.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::FirstRunPage</name>
    <message>
        <source>Create account</source>
        <translation>Konto erstellen</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>Welcome to Tidings</source>
        <translation>Willkommen bei Tidings</translation>
    </message>
    <message>
        <source>Connect to your Tidings server, then create an account or log in with an existing one.</source>
        <translation>Verbinde dich mit deinem Tidings-Server und erstelle ein Konto oder melde dich mit einem bestehenden an.</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>e.g. alice</source>
        <translation>z. B. alice</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1. Check the address and your connection.</source>
        <translation>Der Server unter %1 ist nicht erreichbar. Prüfe die Adresse und deine Verbindung.</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>Benutzername oder Passwort ist falsch.</translation>
    </message>
    <message>
        <source>The name “%1” is already taken. Choose another one, or log in.</source>
        <translation>Der Name „%1“ ist schon vergeben. Wähle einen anderen oder melde dich an.</translation>
    </message>
    <message>
        <source>“%1” cannot be used as a name: use 3–32 characters, a letter first, then letters, digits, dots, dashes or underscores.</source>
        <translation>„%1“ ist als Name nicht möglich: 3–32 Zeichen, zuerst ein Buchstabe, dann Buchstaben, Ziffern, Punkte, Bindestriche oder Unterstriche.</translation>
    </message>
    <message>
        <source>This password is too weak: use at least 8 characters.</source>
        <translation>Dieses Passwort ist zu schwach: Verwende mindestens 8 Zeichen.</translation>
    </message>
    <message numerus="yes">
        <source>Too many attempts. Try again in %n seconds.</source>
        <translation>
            <numerusform>Zu viele Versuche. Versuche es in %n Sekunde erneut.</numerusform>
            <numerusform>Zu viele Versuche. Versuche es in %n Sekunden erneut.</numerusform>
        </translation>
    </message>
    <message>
        <source>The server address must start with ws:// or wss://.</source>
        <translation>Die Serveradresse muss mit ws:// oder wss:// beginnen.</translation>
    </message>
    <message>
        <source>Something went wrong: %1</source>
        <translation>Etwas ist schiefgegangen: %1</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <source>Fill in the server address, a username and a password.</source>
        <translation>Gib die Serveradresse, einen Benutzernamen und ein Passwort ein.</translation>
    </message>
    <message>
        <source>%1 (desktop)</source>
        <translation>%1 (Desktop)</translation>
    </message>
    <message>
        <source>Connect without encryption (ws://)</source>
        <translation>Ohne Verschlüsselung verbinden (ws://)</translation>
    </message>
    <message>
        <source>Connect without encryption</source>
        <translation>Ohne Verschlüsselung verbinden</translation>
    </message>
    <message>
        <source>Only on a network you trust: without wss:// your password and device token cross the network in clear.</source>
        <translation>Nur in einem Netz, dem du vertraust: ohne wss:// gehen dein Passwort und dein Gerätetoken im Klartext durchs Netz.</translation>
    </message>
    <message>
        <source>%1 is not encrypted: your password would cross the network in clear. Use wss://, or tick “Connect without encryption” if you trust this network.</source>
        <translation>%1 ist nicht verschlüsselt: dein Passwort ginge im Klartext durchs Netz. Nutze wss:// oder wähle „Ohne Verschlüsselung verbinden“, wenn du diesem Netz vertraust.</translation>
    </message>
    <message>
        <source>%1 uses a certificate no authority signed. Compare its fingerprint with the one the server&apos;s admin gave you.</source>
        <translation>%1 verwendet ein Zertifikat, das keine Zertifizierungsstelle unterschrieben hat. Vergleiche seinen Fingerabdruck mit dem, den dir die Admins des Servers gegeben haben.</translation>
    </message>
    <message>
        <source>The certificate of %1 is not the one you trusted. Not connected.</source>
        <translation>Das Zertifikat von %1 ist nicht das, dem du vertraut hast. Nicht verbunden.</translation>
    </message>
    <message>
        <source>Invite code</source>
        <translation>Einladungscode</translation>
    </message>
    <message>
        <source>&amp;Invite code:</source>
        <translation>&amp;Einladungscode:</translation>
    </message>
    <message>
        <source>This server takes no new accounts. Ask its admin for one, or log in.</source>
        <translation>Dieser Server nimmt keine neuen Konten an. Bitte die Admins um eines oder melde dich an.</translation>
    </message>
    <message>
        <source>This server takes new accounts by invitation. Enter the invite code its admin gave you (one that is not used up or expired).</source>
        <translation>Dieser Server nimmt neue Konten nur auf Einladung an. Gib den Einladungscode ein, den dir die Admins gegeben haben (einen, der nicht verbraucht oder abgelaufen ist).</translation>
    </message>
    <message>
        <source>The server&apos;s admin disabled this account. Ask them to enable it again.</source>
        <translation>Die Admins des Servers haben dieses Konto gesperrt. Bitte sie, es wieder freizugeben.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::GroupInfoPanel</name>
    <message>
        <source>Rename…</source>
        <translation>Umbenennen …</translation>
    </message>
    <message>
        <source>Add member…</source>
        <translation>Mitglied hinzufügen …</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation>Zum Admin machen</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>Gruppe verlassen</translation>
    </message>
    <message>
        <source>Group info</source>
        <translation>Gruppeninfo</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Gruppenname</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Rename group</source>
        <translation>Gruppe umbenennen</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>Neuer Name:</translation>
    </message>
    <message>
        <source>Add member</source>
        <translation>Mitglied hinzufügen</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Leave “%1”? You keep the history.</source>
        <translation>„%1“ verlassen? Der Verlauf bleibt erhalten.</translation>
    </message>
    <message numerus="yes">
        <source>%n members</source>
        <translation>
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (du)</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>Admin</translation>
    </message>
    <message>
        <source>Revoke admin</source>
        <translation>Admin-Rechte entziehen</translation>
    </message>
    <message>
        <source>Only admins can do that.</source>
        <translation>Das dürfen nur Admins.</translation>
    </message>
    <message>
        <source>There is no user with that name.</source>
        <translation>Es gibt niemanden mit diesem Namen.</translation>
    </message>
    <message>
        <source>That did not work: %1</source>
        <translation>Das hat nicht geklappt: %1</translation>
    </message>
    <message>
        <source>Verify security code…</source>
        <translation>Sicherheitscode überprüfen …</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>tidings::ui::ImageViewer</name>
    <message>
        <source>Picture</source>
        <translation>Bild</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Lade …</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>Vorheriges</translation>
    </message>
    <message>
        <source>Previous (Left)</source>
        <translation>Vorheriges (Pfeil links)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Nächstes</translation>
    </message>
    <message>
        <source>Next (Right)</source>
        <translation>Nächstes (Pfeil rechts)</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <source>Zoom out (-)</source>
        <translation>Verkleinern (-)</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>An Fenster anpassen</translation>
    </message>
    <message>
        <source>Fit to window (0)</source>
        <translation>An Fenster anpassen (0)</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>Vergrößern (+)</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>Speichern unter</translation>
    </message>
    <message>
        <source>Save as… (Ctrl+S)</source>
        <translation>Speichern unter … (Strg+S)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy picture (Ctrl+C)</source>
        <translation>Bild kopieren (Strg+C)</translation>
    </message>
    <message>
        <source>Open with system viewer</source>
        <translation>Mit Systembetrachter öffnen</translation>
    </message>
    <message>
        <source>Open with the system&apos;s viewer (Ctrl+O)</source>
        <translation>Mit dem Bildbetrachter des Systems öffnen (Strg+O)</translation>
    </message>
    <message>
        <source>Image viewer</source>
        <translation>Bildbetrachter</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>Dateiname</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Save photo</source>
        <translation>Foto speichern</translation>
    </message>
    <message>
        <source>photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
</context>
<context>
    <name>tidings::ui::KeyringWindow</name>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Use a passphrase instead</source>
        <translation>Passphrase verwenden</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Warten</translation>
    </message>
    <message>
        <source>You can also keep this device&apos;s keys in a file protected by a passphrase, which you type each time Tidings starts.</source>
        <translation>Du kannst die Schlüssel dieses Geräts auch in einer Datei aufbewahren, die mit einer Passphrase geschützt ist; du gibst sie bei jedem Start von Tidings ein.</translation>
    </message>
    <message>
        <source>Waiting for your keyring…</source>
        <translation>Warte auf deinen Schlüsselbund …</translation>
    </message>
    <message>
        <source>Tidings keeps this device&apos;s keys in your system keyring. The keyring has opened a window of its own and waits for you there, for example to choose a password for a new keyring or to unlock it. Answer it, and Tidings carries on by itself.</source>
        <translation>Tidings bewahrt die Schlüssel dieses Geräts im Schlüsselbund deines Systems auf. Der Schlüsselbund hat ein eigenes Fenster geöffnet und wartet dort auf dich, etwa damit du ein Passwort für einen neuen Schlüsselbund wählst oder ihn entsperrst. Antworte dort, und Tidings macht von selbst weiter.</translation>
    </message>
    <message>
        <source>This profile&apos;s keys are kept in your system keyring. The keyring has opened a window of its own, probably to be unlocked. Unlock it there, and Tidings carries on by itself.</source>
        <translation>Die Schlüssel dieses Profils liegen im Schlüsselbund deines Systems. Der Schlüsselbund hat ein eigenes Fenster geöffnet, wahrscheinlich um entsperrt zu werden. Entsperre ihn dort, und Tidings macht von selbst weiter.</translation>
    </message>
    <message>
        <source>No keyring answered</source>
        <translation>Kein Schlüsselbund hat geantwortet</translation>
    </message>
    <message>
        <source>The keyring did not give Tidings its keys</source>
        <translation>Der Schlüsselbund hat Tidings die Schlüssel nicht gegeben</translation>
    </message>
    <message>
        <source>The keyring refused, or its window was closed. Try again, or keep this device&apos;s keys in a file protected by a passphrase.</source>
        <translation>Der Schlüsselbund hat abgelehnt, oder sein Fenster wurde geschlossen. Versuche es erneut oder bewahre die Schlüssel dieses Geräts in einer Datei auf, die mit einer Passphrase geschützt ist.</translation>
    </message>
    <message>
        <source>The keyring reported a problem. Try again, or keep this device&apos;s keys in a file protected by a passphrase.</source>
        <translation>Der Schlüsselbund hat einen Fehler gemeldet. Versuche es erneut oder bewahre die Schlüssel dieses Geräts in einer Datei auf, die mit einer Passphrase geschützt ist.</translation>
    </message>
    <message>
        <source>This profile&apos;s keys are kept in your system keyring, and no keyring can be reached. Start Tidings in the desktop session where your keyring runs, then try again.</source>
        <translation>Die Schlüssel dieses Profils liegen im Schlüsselbund deines Systems, und kein Schlüsselbund ist erreichbar. Starte Tidings in der Desktop-Sitzung, in der dein Schlüsselbund läuft, und versuche es dann erneut.</translation>
    </message>
    <message>
        <source>This profile&apos;s keys are kept in your system keyring, so Tidings needs it to open the profile. Try again, and unlock the keyring when it asks.</source>
        <translation>Die Schlüssel dieses Profils liegen im Schlüsselbund deines Systems, deshalb braucht Tidings ihn, um das Profil zu öffnen. Versuche es erneut und entsperre den Schlüsselbund, wenn er danach fragt.</translation>
    </message>
    <message>
        <source>The keyring said: %1</source>
        <translation>Der Schlüsselbund meldet: %1</translation>
    </message>
</context>
<context>
    <name>tidings::ui::LinkBanner</name>
    <message>
        <source>&amp;Link</source>
        <translation>&amp;Verknüpfen</translation>
    </message>
    <message>
        <source>This device is not linked yet</source>
        <translation>Dieses Gerät ist noch nicht verknüpft</translation>
    </message>
    <message>
        <source>&lt;b&gt;This device is not linked yet&lt;/b&gt; — on one of your other devices open Settings → Devices → Link a new device, then enter the code here.</source>
        <translation>&lt;b&gt;Dieses Gerät ist noch nicht verknüpft&lt;/b&gt; – öffne auf einem deiner anderen Geräte Einstellungen → Geräte → Neues Gerät verknüpfen und gib den Code dann hier ein.</translation>
    </message>
    <message>
        <source>Link code</source>
        <translation>Verknüpfungscode</translation>
    </message>
    <message>
        <source>Code from your other device</source>
        <translation>Code von deinem anderen Gerät</translation>
    </message>
    <message>
        <source>Link this device</source>
        <translation>Dieses Gerät verknüpfen</translation>
    </message>
    <message>
        <source>Link error</source>
        <translation>Verknüpfungsfehler</translation>
    </message>
    <message>
        <source>Linking…</source>
        <translation>Wird verknüpft …</translation>
    </message>
    <message>
        <source>Not linked: %1</source>
        <translation>Nicht verknüpft: %1</translation>
    </message>
    <message>
        <source>That is not a link code. Type it exactly as your other device shows it.</source>
        <translation>Das ist kein Verknüpfungscode. Gib ihn genau so ein, wie dein anderes Gerät ihn zeigt.</translation>
    </message>
    <message>
        <source>The device showing the code is not online. Keep Link a new device open there and try again.</source>
        <translation>Das Gerät, das den Code zeigt, ist nicht online. Lass dort „Neues Gerät verknüpfen“ geöffnet und versuche es noch einmal.</translation>
    </message>
    <message>
        <source>The other device did not answer. Make a new code there and try again.</source>
        <translation>Das andere Gerät hat nicht geantwortet. Erstelle dort einen neuen Code und versuche es noch einmal.</translation>
    </message>
    <message>
        <source>Lost all your devices? Use your recovery key…</source>
        <translation>Alle Geräte verloren? Nutze deinen Wiederherstellungsschlüssel …</translation>
    </message>
    <message>
        <source>Recover with your recovery key</source>
        <translation>Mit dem Wiederherstellungsschlüssel wiederherstellen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::LinkDeviceDialog</name>
    <message>
        <source>&amp;Copy code</source>
        <translation>Code &amp;kopieren</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Neues Gerät verknüpfen</translation>
    </message>
    <message>
        <source>On the new device, log in to this account, then type this code into the bar that says “This device is not linked yet”. Keep this window open until it says Linked. The code works once and for 10 minutes.</source>
        <translation>Melde dich auf dem neuen Gerät bei diesem Konto an und gib diesen Code in die Leiste „Dieses Gerät ist noch nicht verknüpft“ ein. Lass dieses Fenster offen, bis „Verknüpft“ erscheint. Der Code gilt einmal und 10 Minuten lang.</translation>
    </message>
    <message>
        <source>Link code</source>
        <translation>Verknüpfungscode</translation>
    </message>
    <message>
        <source>Copy the link code</source>
        <translation>Verknüpfungscode kopieren</translation>
    </message>
    <message>
        <source>Link status</source>
        <translation>Verknüpfungsstatus</translation>
    </message>
    <message>
        <source>Making a code…</source>
        <translation>Code wird erstellt …</translation>
    </message>
    <message>
        <source>No code: %1</source>
        <translation>Kein Code: %1</translation>
    </message>
    <message>
        <source>Waiting for the new device…</source>
        <translation>Warte auf das neue Gerät …</translation>
    </message>
    <message>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <source>Not linked: %1</source>
        <translation>Nicht verknüpft: %1</translation>
    </message>
    <message>
        <source>The code expired: no device used it in 10 minutes.</source>
        <translation>Der Code ist abgelaufen: Kein Gerät hat ihn innerhalb von 10 Minuten verwendet.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::MainWindow</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 schreibt …</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>schreibt …</translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n Person schreibt …</numerusform>
            <numerusform>%n Personen schreiben …</numerusform>
        </translation>
    </message>
    <message>
        <source>Tidings — %1</source>
        <translation>Tidings – %1</translation>
    </message>
    <message>
        <source>This device connected to the server again from somewhere else (a copy of this profile?), so Tidings stopped here.</source>
        <translation>Dieses Gerät hat sich von anderswo erneut mit dem Server verbunden (eine Kopie dieses Profils?), deshalb wurde Tidings hier angehalten.</translation>
    </message>
    <message>
        <source>Not connected: %1 is not encrypted (ws://), so your password and device token would cross the network in clear. Use a wss:// address, or allow it in Settings → Account.</source>
        <translation>Nicht verbunden: %1 ist nicht verschlüsselt (ws://), dein Passwort und dein Gerätetoken gingen also im Klartext durchs Netz. Nutze eine wss://-Adresse oder erlaube es unter Einstellungen → Konto.</translation>
    </message>
    <message>
        <source>The server&apos;s admin disabled this account, so Tidings stopped connecting. Ask them to enable it again, then try again.</source>
        <translation>Die Admins des Servers haben dieses Konto gesperrt, deshalb verbindet sich Tidings nicht mehr. Bitte sie, es wieder freizugeben, und versuche es dann erneut.</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::MessageInfoDialog</name>
    <message>
        <source>Message info</source>
        <translation>Nachrichteninfo</translation>
    </message>
    <message>
        <source>Delivery status</source>
        <translation>Zustellstatus</translation>
    </message>
    <message>
        <source>From %1</source>
        <translation>Von %1</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wartet auf das Senden</translation>
    </message>
    <message>
        <source>Not sent: the server refused it</source>
        <translation>Nicht gesendet: Der Server hat sie abgelehnt</translation>
    </message>
    <message>
        <source>Read by %1</source>
        <translation>Gelesen von %1</translation>
    </message>
    <message>
        <source>Delivered to %1, not read yet</source>
        <translation>An %1 zugestellt, noch nicht gelesen</translation>
    </message>
    <message>
        <source>Sent, not delivered to %1 yet</source>
        <translation>Gesendet, noch nicht an %1 zugestellt</translation>
    </message>
    <message>
        <source>Asking the server…</source>
        <translation>Frage den Server …</translation>
    </message>
    <message>
        <source>Cannot get the status: %1</source>
        <translation>Status nicht abrufbar: %1</translation>
    </message>
    <message>
        <source>Read by %1 of %2, delivered to %3 of %2</source>
        <translation>Gelesen von %1 von %2, zugestellt an %3 von %2</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Sent: %1</source>
        <translation>Gesendet: %1</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Gelesen</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>noch nicht</translation>
    </message>
    <message>
        <source>%1: delivered %2, read %3</source>
        <translation>%1: zugestellt %2, gelesen %3</translation>
    </message>
</context>
<context>
    <name>tidings::ui::MessageModel</name>
    <message>
        <source>Unread messages</source>
        <translation>Ungelesene Nachrichten</translation>
    </message>
    <message>
        <source>%1 at %2: %3</source>
        <translation>%1 um %2: %3</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>This message could not be decrypted</source>
        <translation>Diese Nachricht konnte nicht entschlüsselt werden</translation>
    </message>
    <message>
        <source>%1 “%2”, %3</source>
        <translation>%1 „%2“, %3</translation>
    </message>
    <message>
        <source>%1, caption: %2</source>
        <translation>%1, Bildunterschrift: %2</translation>
    </message>
    <message>
        <source>This message was altered on its way and is not shown</source>
        <translation>Diese Nachricht wurde unterwegs verändert und wird nicht angezeigt</translation>
    </message>
</context>
<context>
    <name>tidings::ui::NewChatDialog</name>
    <message>
        <source>New group</source>
        <translation>Neue Gruppe</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>e.g. Weekend trip</source>
        <translation>z. B. Wochenendausflug</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Gruppenname</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>usernames, separated by commas</source>
        <translation>Benutzernamen, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>&amp;Members:</source>
        <translation>&amp;Mitglieder:</translation>
    </message>
    <message>
        <source>their username</source>
        <translation>Benutzername der Person</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>Create group</source>
        <translation>Gruppe erstellen</translation>
    </message>
    <message>
        <source>Start chat</source>
        <translation>Chat beginnen</translation>
    </message>
    <message>
        <source>There is no user with that name.</source>
        <translation>Es gibt niemanden mit diesem Namen.</translation>
    </message>
    <message>
        <source>That is not a valid username.</source>
        <translation>Das ist kein gültiger Benutzername.</translation>
    </message>
    <message>
        <source>You cannot start a chat with this user.</source>
        <translation>Mit dieser Person kannst du keinen Chat beginnen.</translation>
    </message>
    <message>
        <source>A group holds at most 500 members.</source>
        <translation>Eine Gruppe hat höchstens 500 Mitglieder.</translation>
    </message>
    <message>
        <source>That did not work: %1</source>
        <translation>Das hat nicht geklappt: %1</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>Einen Moment …</translation>
    </message>
    <message>
        <source>Waiting for the connection…</source>
        <translation>Warte auf die Verbindung …</translation>
    </message>
</context>
<context>
    <name>tidings::ui::Notifier</name>
    <message>
        <source>Open Tidings</source>
        <translation>Tidings öffnen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message numerus="yes">
        <source>Tidings — %n unread</source>
        <translation>
            <numerusform>Tidings – %n ungelesen</numerusform>
            <numerusform>Tidings – %n ungelesen</numerusform>
        </translation>
    </message>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>tidings::ui::PassphraseDialog</name>
    <message>
        <source>Protect this device</source>
        <translation>Dieses Gerät schützen</translation>
    </message>
    <message>
        <source>Unlock Tidings</source>
        <translation>Tidings entsperren</translation>
    </message>
    <message>
        <source>No system keyring answered, so Tidings keeps this device&apos;s key in a file protected by a passphrase. Choose one; you will type it when Tidings starts.</source>
        <translation>Kein Schlüsselbund des Systems hat geantwortet. Tidings speichert den Schlüssel dieses Geräts daher in einer Datei, die mit einer Passphrase geschützt ist. Wähle eine; du gibst sie beim Start von Tidings ein.</translation>
    </message>
    <message>
        <source>Enter the passphrase that protects this device&apos;s key.</source>
        <translation>Gib die Passphrase ein, die den Schlüssel dieses Geräts schützt.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>&amp;Passphrase:</source>
        <translation>&amp;Passphrase:</translation>
    </message>
    <message>
        <source>Repeat passphrase</source>
        <translation>Passphrase wiederholen</translation>
    </message>
    <message>
        <source>&amp;Repeat:</source>
        <translation>&amp;Wiederholen:</translation>
    </message>
    <message>
        <source>Use at least 8 characters.</source>
        <translation>Verwende mindestens 8 Zeichen.</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>Die beiden Passphrasen stimmen nicht überein.</translation>
    </message>
    <message>
        <source>Tidings keeps this device&apos;s key in a file protected by a passphrase instead of the keyring. Choose one; you will type it when Tidings starts.</source>
        <translation>Tidings bewahrt den Schlüssel dieses Geräts statt im Schlüsselbund in einer Datei auf, die mit einer Passphrase geschützt ist. Wähle eine; du gibst sie beim Start von Tidings ein.</translation>
    </message>
    <message>
        <source>Unlocking… this takes a few seconds, to make guessing the passphrase slow for anyone who copies the file.</source>
        <translation>Wird entsperrt… das dauert einige Sekunden, damit das Erraten der Passphrase für jeden langsam ist, der die Datei kopiert.</translation>
    </message>
    <message>
        <source>Protecting the key… this takes a few seconds, to make guessing the passphrase slow for anyone who copies the file.</source>
        <translation>Der Schlüssel wird geschützt… das dauert einige Sekunden, damit das Erraten der Passphrase für jeden langsam ist, der die Datei kopiert.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::QuickSwitcher</name>
    <message>
        <source>Go to chat</source>
        <translation>Zu Chat wechseln</translation>
    </message>
    <message>
        <source>Type a chat name…</source>
        <translation>Chatnamen eingeben …</translation>
    </message>
    <message>
        <source>Chat name</source>
        <translation>Chatname</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
</context>
<context>
    <name>tidings::ui::RecordButton</name>
    <message>
        <source>Record a voice message</source>
        <translation>Sprachnachricht aufnehmen</translation>
    </message>
    <message>
        <source>Hold to record a voice message, release to send. Click or press Space to record hands-free.</source>
        <translation>Gedrückt halten, um eine Sprachnachricht aufzunehmen, loslassen zum Senden. Klicken oder Leertaste drücken, um freihändig aufzunehmen.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::RecoveryKeyDialog</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Wiederherstellungsschlüssel</translation>
    </message>
    <message>
        <source>Recover your account</source>
        <translation>Konto wiederherstellen</translation>
    </message>
    <message>
        <source>A recovery key lets you take your account back on a new device if you lose every device linked to it. Write it down and keep it somewhere safe: it is shown only once, and a new one replaces the old one.</source>
        <translation>Mit einem Wiederherstellungsschlüssel holst du dein Konto auf einem neuen Gerät zurück, wenn du alle verknüpften Geräte verlierst. Schreib ihn auf und bewahre ihn sicher auf: Er wird nur einmal angezeigt, und ein neuer ersetzt den alten.</translation>
    </message>
    <message>
        <source>If every device linked to your account is lost, type the recovery key you wrote down. Your other devices are logged out, and your contacts see that your security code changed.</source>
        <translation>Wenn alle mit deinem Konto verknüpften Geräte verloren sind, gib den Wiederherstellungsschlüssel ein, den du aufgeschrieben hast. Deine anderen Geräte werden abgemeldet, und deine Kontakte sehen, dass sich dein Sicherheitscode geändert hat.</translation>
    </message>
    <message>
        <source>Your password</source>
        <translation>Dein Passwort</translation>
    </message>
    <message>
        <source>Your password:</source>
        <translation>Dein Passwort:</translation>
    </message>
    <message>
        <source>ABCD-EFGH-…</source>
        <translation>ABCD-EFGH-…</translation>
    </message>
    <message>
        <source>Recovery key:</source>
        <translation>Wiederherstellungsschlüssel:</translation>
    </message>
    <message>
        <source>Your recovery key</source>
        <translation>Dein Wiederherstellungsschlüssel</translation>
    </message>
    <message>
        <source>Copy the recovery key</source>
        <translation>Wiederherstellungsschlüssel kopieren</translation>
    </message>
    <message>
        <source>Create recovery key</source>
        <translation>Wiederherstellungsschlüssel erstellen</translation>
    </message>
    <message>
        <source>Recover</source>
        <translation>Wiederherstellen</translation>
    </message>
    <message>
        <source>Copied. Clear your clipboard once you stored it.</source>
        <translation>Kopiert. Leere die Zwischenablage, sobald du ihn gespeichert hast.</translation>
    </message>
    <message>
        <source>Your account has a recovery key. A new one replaces it.</source>
        <translation>Dein Konto hat einen Wiederherstellungsschlüssel. Ein neuer ersetzt ihn.</translation>
    </message>
    <message>
        <source>That is not your password.</source>
        <translation>Das ist nicht dein Passwort.</translation>
    </message>
    <message>
        <source>That is not this account&apos;s recovery key. Check each group of letters.</source>
        <translation>Das ist nicht der Wiederherstellungsschlüssel dieses Kontos. Prüfe jede Buchstabengruppe.</translation>
    </message>
    <message>
        <source>This account has no recovery key, so it cannot be recovered with one.</source>
        <translation>Dieses Konto hat keinen Wiederherstellungsschlüssel und lässt sich daher nicht damit wiederherstellen.</translation>
    </message>
    <message>
        <source>Too many attempts. Try again later.</source>
        <translation>Zu viele Versuche. Versuche es später erneut.</translation>
    </message>
    <message>
        <source>Not connected to the server. Try again when you are online.</source>
        <translation>Keine Verbindung zum Server. Versuche es erneut, wenn du online bist.</translation>
    </message>
    <message>
        <source>Only a linked device can make a recovery key.</source>
        <translation>Nur ein verknüpftes Gerät kann einen Wiederherstellungsschlüssel erstellen.</translation>
    </message>
    <message>
        <source>This device is linked already: there is nothing to recover.</source>
        <translation>Dieses Gerät ist bereits verknüpft: Es gibt nichts wiederherzustellen.</translation>
    </message>
    <message>
        <source>No recovery key made: %1</source>
        <translation>Kein Wiederherstellungsschlüssel erstellt: %1</translation>
    </message>
    <message>
        <source>Not recovered: %1</source>
        <translation>Nicht wiederhergestellt: %1</translation>
    </message>
    <message>
        <source>Write this key down now. It will not be shown again.</source>
        <translation>Schreib diesen Schlüssel jetzt auf. Er wird nicht noch einmal angezeigt.</translation>
    </message>
    <message>
        <source>Making a recovery key…</source>
        <translation>Wiederherstellungsschlüssel wird erstellt …</translation>
    </message>
    <message>
        <source>Recovering…</source>
        <translation>Wird wiederhergestellt …</translation>
    </message>
    <message>
        <source>Your account is recovered on this device. Your other devices were logged out.</source>
        <translation>Dein Konto ist auf diesem Gerät wiederhergestellt. Deine anderen Geräte wurden abgemeldet.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::SafetyNumberDialog</name>
    <message>
        <source>Mark as verified</source>
        <translation>Als überprüft markieren</translation>
    </message>
    <message>
        <source>Verify security code</source>
        <translation>Sicherheitscode überprüfen</translation>
    </message>
    <message>
        <source>Compare this code with the one on %1&apos;s device, in person or over a call you trust. If they match, your messages with %1 cannot be read by anyone else.</source>
        <translation>Vergleiche diesen Code mit dem auf dem Gerät von %1, persönlich oder über einen Anruf, dem du vertraust. Stimmen sie überein, kann niemand sonst eure Nachrichten lesen.</translation>
    </message>
    <message>
        <source>Security code</source>
        <translation>Sicherheitscode</translation>
    </message>
    <message>
        <source>Verification status</source>
        <translation>Überprüfungsstatus</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Lade …</translation>
    </message>
    <message>
        <source>Cannot show the code: %1</source>
        <translation>Code nicht verfügbar: %1</translation>
    </message>
    <message>
        <source>Clear verification</source>
        <translation>Überprüfung aufheben</translation>
    </message>
    <message>
        <source>%1&apos;s security code changed. Compare the new code before you mark it as verified.</source>
        <translation>Der Sicherheitscode von %1 hat sich geändert. Vergleiche den neuen Code, bevor du ihn als überprüft markierst.</translation>
    </message>
    <message>
        <source>You have verified %1.</source>
        <translation>Du hast %1 überprüft.</translation>
    </message>
    <message>
        <source>Not verified yet.</source>
        <translation>Noch nicht überprüft.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>tidings::ui::SearchModel</name>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>tidings::ui::SecretSavePrompt</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>Tidings could not save this device&apos;s key.</source>
        <translation>Tidings konnte den Schlüssel dieses Geräts nicht speichern.</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Use a passphrase instead</source>
        <translation>Stattdessen eine Passphrase verwenden</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>Jetzt nicht</translation>
    </message>
    <message>
        <source>The keyring said: %1</source>
        <translation>Der Schlüsselbund meldet: %1</translation>
    </message>
    <message>
        <source>The key works until Tidings quits. If it is not saved by then, you have to log in again next time.</source>
        <translation>Der Schlüssel funktioniert, bis du Tidings beendest. Ist er bis dahin nicht gespeichert, musst du dich beim nächsten Mal erneut anmelden.</translation>
    </message>
</context>
<context>
    <name>tidings::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>Privatsphäre</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>&amp;Design:</translation>
    </message>
    <message>
        <source>Show a notification for new messages</source>
        <translation>Bei neuen Nachrichten benachrichtigen</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source>Notifications:</source>
        <translation>Benachrichtigungen:</translation>
    </message>
    <message>
        <source>Muted chats never notify. Mute a chat from its menu.</source>
        <translation>Stummgeschaltete Chats benachrichtigen nie. Stummschalten geht im Menü des Chats.</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>This device:</source>
        <translation>Dieses Gerät:</translation>
    </message>
    <message>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <source>Profile folder:</source>
        <translation>Profilordner:</translation>
    </message>
    <message>
        <source>Who sees my last seen and online status</source>
        <translation>Wer meinen Online-Status und „zuletzt online“ sieht</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>My contacts</source>
        <translation>Meine Kontakte</translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation>Niemand</translation>
    </message>
    <message>
        <source>Last seen &amp;&amp; online:</source>
        <translation>Zuletzt &amp;&amp; online:</translation>
    </message>
    <message>
        <source>If you hide yours, you cannot see other people&apos;s either.</source>
        <translation>Wenn du deinen verbirgst, siehst du auch den der anderen nicht.</translation>
    </message>
    <message>
        <source>Not available offline.</source>
        <translation>Offline nicht verfügbar.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Speichere …</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>My devices</source>
        <translation>Meine Geräte</translation>
    </message>
    <message>
        <source>Log out this device</source>
        <translation>Dieses Gerät abmelden</translation>
    </message>
    <message>
        <source>Log out the selected device</source>
        <translation>Das ausgewählte Gerät abmelden</translation>
    </message>
    <message>
        <source>Log out device</source>
        <translation>Gerät abmelden</translation>
    </message>
    <message>
        <source>Log out “%1”? It has to log in again to use this account.</source>
        <translation>„%1“ abmelden? Es muss sich neu anmelden, um dieses Konto zu nutzen.</translation>
    </message>
    <message>
        <source>Not logged out: %1</source>
        <translation>Nicht abgemeldet: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Lade …</translation>
    </message>
    <message>
        <source>Device #%1</source>
        <translation>Gerät #%1</translation>
    </message>
    <message>
        <source>this device</source>
        <translation>dieses Gerät</translation>
    </message>
    <message>
        <source>online</source>
        <translation>online</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Anzeigename</translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation>&amp;Anzeigename:</translation>
    </message>
    <message>
        <source>Shown to people instead of your username (%1). Leave it empty to show the username.</source>
        <translation>Wird anderen statt deines Benutzernamens (%1) angezeigt. Leer lassen, um den Benutzernamen zu zeigen.</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Save the display name</source>
        <translation>Anzeigenamen speichern</translation>
    </message>
    <message>
        <source>The name is too long.</source>
        <translation>Der Name ist zu lang.</translation>
    </message>
    <message>
        <source>Link a new device…</source>
        <translation>Neues Gerät verknüpfen …</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Neues Gerät verknüpfen</translation>
    </message>
    <message>
        <source>This device is not linked yet itself.</source>
        <translation>Dieses Gerät ist selbst noch nicht verknüpft.</translation>
    </message>
    <message>
        <source>This setting could not be saved: %1</source>
        <translation>Diese Einstellung konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Only a linked device can log out your other devices.</source>
        <translation>Nur ein verknüpftes Gerät kann deine anderen Geräte abmelden.</translation>
    </message>
    <message>
        <source>Connect without encryption (ws://)</source>
        <translation>Ohne Verschlüsselung verbinden (ws://)</translation>
    </message>
    <message>
        <source>Connect without encryption</source>
        <translation>Ohne Verschlüsselung verbinden</translation>
    </message>
    <message>
        <source>Without wss:// your password and device token cross the network in clear. Only on a network you trust.</source>
        <translation>Ohne wss:// gehen dein Passwort und dein Gerätetoken im Klartext durchs Netz. Nur in einem Netz, dem du vertraust.</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>Passwort ändern…</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Passwort ändern</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>Hold my messages when a contact&apos;s security code changes, until I acknowledge it</source>
        <translation>Meine Nachrichten zurückhalten, wenn sich der Sicherheitscode eines Kontakts ändert, bis ich es bestätige</translation>
    </message>
    <message>
        <source>Hold messages on security code changes</source>
        <translation>Nachrichten bei geänderten Sicherheitscodes zurückhalten</translation>
    </message>
    <message>
        <source>Security codes:</source>
        <translation>Sicherheitscodes:</translation>
    </message>
    <message>
        <source>Recovery key…</source>
        <translation>Wiederherstellungsschlüssel …</translation>
    </message>
    <message>
        <source>Make a recovery key</source>
        <translation>Wiederherstellungsschlüssel erstellen</translation>
    </message>
    <message>
        <source>Take your account back if you lose every device</source>
        <translation>Hol dein Konto zurück, wenn du alle Geräte verlierst</translation>
    </message>
    <message>
        <source>Only a linked device can make a recovery key</source>
        <translation>Nur ein verknüpftes Gerät kann einen Wiederherstellungsschlüssel erstellen</translation>
    </message>
    <message>
        <source>Set up</source>
        <translation>Eingerichtet</translation>
    </message>
    <message>
        <source>None yet</source>
        <translation>Noch keiner</translation>
    </message>
    <message>
        <source>Recovery key state</source>
        <translation>Stand des Wiederherstellungsschlüssels</translation>
    </message>
    <message>
        <source>Recovery:</source>
        <translation>Wiederherstellung:</translation>
    </message>
</context>
<context>
    <name>tidings::ui::VideoPlayer</name>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Ton aus</translation>
    </message>
    <message>
        <source>Video player</source>
        <translation>Videoplayer</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>This video cannot be played.</source>
        <translation>Dieses Video lässt sich nicht abspielen.</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Ton an</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
</context>
<context>
    <name>tidings::ui::VoiceRecordBar</name>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Recording a voice message</source>
        <translation>Sprachnachricht wird aufgenommen</translation>
    </message>
    <message>
        <source>Recording time</source>
        <translation>Aufnahmedauer</translation>
    </message>
    <message>
        <source>Cancel the voice message</source>
        <translation>Sprachnachricht verwerfen</translation>
    </message>
    <message>
        <source>Hands-free: Send when done, Esc cancels</source>
        <translation>Freihändig: Senden, wenn du fertig bist, Esc verwirft</translation>
    </message>
    <message>
        <source>Release to send · slide left or Esc to cancel</source>
        <translation>Loslassen zum Senden · nach links ziehen oder Esc zum Verwerfen</translation>
    </message>
</context>
<context>
    <name>tidings::ui::VoiceRecorder</name>
    <message>
        <source>No microphone was found. Connect one and try again.</source>
        <translation>Es wurde kein Mikrofon gefunden. Schließe eines an und versuche es erneut.</translation>
    </message>
    <message>
        <source>Recording failed: %1</source>
        <translation>Aufnahme fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>The recording could not be saved.</source>
        <translation>Die Aufnahme konnte nicht gespeichert werden.</translation>
    </message>
</context>
</TS>
