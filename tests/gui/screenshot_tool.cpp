// tidings-screenshots PROFILE SERVER OUTDIR THEME CHAT GROUP QUERY: opens the desktop client on a
// profile (run it under Xvfb for real fonts) and saves docs/screenshots-style PNGs of the chat
// list with a conversation, a group with its info panel, search results and the first-run page.
#include "dialogs/certificate_prompt.h"
#include "dialogs/change_password_dialog.h"
#include "dialogs/recovery_key_dialog.h"
#include "dialogs/settings_dialog.h"
#include "look.h"
#include "secrets_setup.h"
#include "session.h"
#include "views/chat_list_panel.h"
#include "views/conversation_view.h"
#include "views/first_run_page.h"
#include "views/main_window.h"

#include "core/secrets/secret_store.h"
#include "core/store/conversation_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace tidings;

namespace {
void settle(int ms) {
    QTest::qWait(ms);
}
bool save(QWidget *w, const QString &path) {
    settle(300);
    return w->grab().save(path);
}
bool chatShots(ui::Session *session, const QStringList &a, const QString &outDir,
               const QString &theme) {
    ui::MainWindow window(session, a.at(2));
    window.resize(1200, 760);
    window.show();
    settle(2500); // connect and catch up
    window.openChatNamed(a.at(5));
    bool ok = save(&window, QStringLiteral("%1/chat-%2.png").arg(outDir, theme));
    window.openChatNamed(a.at(6));
    window.conversation()->setInfoVisible(true);
    settle(800);
    ok = save(&window, QStringLiteral("%1/group-%2.png").arg(outDir, theme)) && ok;
    window.conversation()->setInfoVisible(false);
    window.chatPanel()->searchField()->setText(a.at(7));
    window.chatPanel()->searchNow();
    ok = save(&window, QStringLiteral("%1/search-%2.png").arg(outDir, theme)) && ok;
    window.chatPanel()->searchField()->clear();

    // Settings → Account → Change password…
    ui::SettingsDialog settings(ui::settingsDeps(session), &window);
    settings.show();
    auto *change = settings.showChangePassword();
    settle(300);
    change->currentEdit()->setText(QStringLiteral("password-alice"));
    change->newEdit()->setText(QStringLiteral("a new passphrase"));
    change->repeatEdit()->setText(QStringLiteral("a new passphras"));
    ok = save(change, QStringLiteral("%1/change-password-%2.png").arg(outDir, theme)) && ok;
    change->close();

    // Settings → Account → Recovery key…: made with the password, shown once.
    auto *recovery = settings.showRecoveryKey();
    settle(300);
    recovery->input()->setText(QStringLiteral("password-alice"));
    recovery->submit();
    for (int i = 0; i < 100 && recovery->recoveryKey().isEmpty(); ++i)
        settle(100);
    ok = save(recovery, QStringLiteral("%1/recovery-key-%2.png").arg(outDir, theme)) && ok;
    recovery->close();
    // What a new device shows when every linked one is lost (the link bar's "Lost all your
    // devices?"), with a key half typed in: only the look, nothing is sent.
    ui::RecoveryKeyDialog recover(&session->client()->devices(),
                                  ui::RecoveryKeyDialog::Mode::Recover, &window);
    recover.show();
    recover.input()->setText(QStringLiteral("5ICK-EITR-HWLN-BTLC-6DNG-"));
    settle(300);
    ok = save(&recover, QStringLiteral("%1/recover-account-%2.png").arg(outDir, theme)) && ok;
    recover.close();
    settings.close();

    // A contact's security code changed: the notice in the chat and the warning above it.
    // (Made here on alice's copy only: no key changed on the server.)
    const QString peer = a.at(5);
    auto conv = session->store()->conversations().conversationWithPeer(peer);
    if (conv && conv->has_value()) {
        auto &notices = session->store()->securityNotices();
        if (auto existing = notices.all((*conv)->id); existing && existing->isEmpty()) // once
            (void)notices.add((*conv)->peerUserId, peer, QDateTime::currentMSecsSinceEpoch());
        window.openChatNamed(a.at(6));
        window.openChatNamed(peer);
        settle(500);
        ok = save(&window, QStringLiteral("%1/security-notice-%2.png").arg(outDir, theme)) && ok;
    }

    // Signed group state: the server lists a member no admin added (made here on alice's copy
    // only, as a rogue server would make her client see it).
    if (auto all = session->store()->conversations().conversations(); all) {
        for (const auto &c : *all) {
            if (!c.isGroup() || c.name != a.at(6))
                continue;
            (void)session->store()->securityNotices().addOnce(
                c.id, client::SecurityNotice::kServerOnlyMember, 999'999, QStringLiteral("mallory"),
                QDateTime::currentMSecsSinceEpoch());
            window.openChatNamed(peer);
            window.openChatNamed(a.at(6));
            settle(500);
            ok = save(&window,
                      QStringLiteral("%1/group-unverified-member-%2.png").arg(outDir, theme)) &&
                 ok;
        }
    }
    return ok;
}
} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 8) {
        qWarning("usage: tidings-screenshots PROFILE SERVER OUTDIR THEME CHAT GROUP QUERY");
        return 2;
    }
    const QString outDir = a.at(3), theme = a.at(4);
    QDir().mkpath(outDir);
    ui::applyTheme(&app, ui::themeFromString(theme));
    bool ok = true;
    // PROFILE "-": only the first-run page (no chats needed).
    if (a.at(1) != u"-") {
        // The profile's secrets as the app reads them (a tool may wait in a local loop).
        ui::SecretsSetup setup(a.at(1));
        std::optional<Result<ui::SecretsChoice>> secrets;
        setup.start([&secrets](Result<ui::SecretsChoice> c) { secrets = std::move(c); });
        while (!secrets)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        if (!*secrets || !(*secrets)->store)
            return 1;
        auto session = ui::Session::open(a.at(1), std::move((*secrets)->store));
        if (!session)
            return 1;
        ok = chatShots(session->get(), a, outDir, theme);
    }
    QTemporaryDir empty;
    auto fresh = ui::Session::open(empty.path(), std::make_unique<client::MemorySecretStore>());
    ui::MainWindow first(fresh->get(), a.at(2));
    first.resize(1200, 760);
    first.show();
    ok = save(&first, QStringLiteral("%1/first-run-%2.png").arg(outDir, theme)) && ok;
    // An unencrypted address of another machine: the consent the first screen asks for.
    first.firstRun()->serverEdit()->setText(QStringLiteral("ws://chat.example.org:7700"));
    first.firstRun()->usernameEdit()->setText(QStringLiteral("alice"));
    first.firstRun()->passwordEdit()->setText(QStringLiteral("password-alice"));
    first.firstRun()->loginButton()->click();
    ok = save(&first, QStringLiteral("%1/first-run-insecure-%2.png").arg(outDir, theme)) && ok;
    // A self-signed server: the fingerprint to compare on first contact, and the warning when
    // it changes later (only the look: no server is asked).
    const QString seen = QStringLiteral("3F:A1:09:7C:44:E2:5B:D0:18:6A:C3:F7:92:0E:B5:61:"
                                        "2D:8E:77:C0:14:9B:AF:35:E6:50:0C:D9:48:B2:71:9C");
    const QString before = QStringLiteral("8B:02:DE:41:7F:13:A6:C8:59:E0:24:BB:36:F1:0D:92:"
                                          "C7:5A:E3:18:60:9F:2B:D4:81:47:EC:0A:B6:33:75:FE");
    auto *trust = new ui::CertificatePrompt(Error{ErrorCode::UntrustedCertificate, {}},
                                            QStringLiteral("chat.example.org"), seen, {}, &first);
    ok = save(trust->messageBox(),
              QStringLiteral("%1/certificate-trust-%2.png").arg(outDir, theme)) &&
         ok;
    trust->messageBox()->close();
    auto *changed =
        new ui::CertificatePrompt(Error{ErrorCode::CertificateChanged, {}},
                                  QStringLiteral("chat.example.org"), seen, before, &first);
    ok = save(changed->messageBox(),
              QStringLiteral("%1/certificate-changed-%2.png").arg(outDir, theme)) &&
         ok;
    changed->messageBox()->close();
    return ok ? 0 : 1;
}
