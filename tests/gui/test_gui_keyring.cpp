// The profile's secrets as the desktop app opens them, with a keyring that answers late (a test
// double standing in for a keyring that asks the user for a password in its own window): the
// app shows that it waits and keeps running meanwhile, the answer opens the profile, "use a
// passphrase instead" works while waiting, an error offers retry and a passphrase, a failed
// background save offers the same, and reconnects never ask the keyring again.
#include "gui_helpers.h"
#include "late_keyring.h"

#include "dialogs/passphrase_dialog.h"
#include "dialogs/secret_save_prompt.h"
#include "secrets_setup.h"
#include "views/keyring_window.h"

#include "core/secrets/master_key.h"
#include "core/secrets/passphrase_secret_store.h"

#include "support/pg_fixture.h"
#include "support/server_harness.h"

#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <optional>

using namespace tidings;
using namespace tidings::test;

namespace {

const QString kPassphrase = QStringLiteral("correct horse battery");

QByteArray bytes(const crypto::SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size()));
}

//! One profile opened through SecretsSetup with a LateKeyring.
struct Opening {
    QTemporaryDir dir;
    LateKeyring *keyring = nullptr; //!< valid while the setup or the chosen store owns it
    std::unique_ptr<ui::SecretsSetup> setup;
    std::optional<Result<ui::SecretsChoice>> result;
    int answers = 0;

    explicit Opening(int waitingDelayMs = 100) {
        ui::SecretsSetup::Options options;
        options.keyring = [this] {
            auto k = std::make_unique<LateKeyring>();
            keyring = k.get();
            return k;
        };
        options.waitingDelayMs = waitingDelayMs;
        setup = std::make_unique<ui::SecretsSetup>(dir.path(), options);
    }
    void start() {
        setup->start([this](Result<ui::SecretsChoice> r) {
            ++answers;
            result = std::move(r);
        });
    }
    ui::KeyringWindow *window() const { return setup->keyringWindow(); }
    bool waiting() const {
        return setup->state() == ui::SecretsSetup::State::Waiting && window() &&
               window()->isVisible() && window()->isWaiting();
    }
    client::SessionSecrets *store() const {
        return result && *result ? (*result)->store.get() : nullptr;
    }
    QString sealed() const { return dir.filePath(QStringLiteral("secrets.sealed")); }
};

//! Types the passphrase into the open dialog and presses OK.
void choosePassphrase(ui::PassphraseDialog *dialog, const QString &passphrase = kPassphrase) {
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    dialog->passphraseEdit()->setText(passphrase);
    if (dialog->repeatEdit())
        dialog->repeatEdit()->setText(passphrase);
    auto *box = dialog->findChild<QDialogButtonBox *>();
    QVERIFY(box);
    QTest::mouseClick(box->button(QDialogButtonBox::Ok), Qt::LeftButton);
}

} // namespace

class TestGuiKeyring : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        static QTemporaryDir runtime;
        qputenv("XDG_RUNTIME_DIR", runtime.path().toUtf8());
    }

    void waitsVisiblyWhileTheAppKeepsRunning() {
        Opening o;
        // Something else of the app that must keep running while the keyring takes its time.
        int ticks = 0;
        QLabel clock;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, &clock, [&] {
            ++ticks;
            clock.setText(QString::number(ticks));
        });
        ticker.start(20);
        clock.show();

        o.start();
        QVERIFY(!o.result);
        QCOMPARE(o.setup->state(), ui::SecretsSetup::State::Reading);
        QVERIFY(!o.window()); // a keyring that answers quickly is never mentioned
        QTRY_VERIFY(o.waiting());
        QVERIFY(o.window()->titleText().contains(QStringLiteral("Waiting for your keyring")));
        QVERIFY(o.window()->bodyText().contains(QStringLiteral("window of its own")));
        QVERIFY(o.window()->passphraseButton()->isVisible());
        QVERIFY(!o.window()->retryButton()->isVisible());

        const int ticksAtShow = ticks;
        const int framesAtShow = o.window()->spinnerFrames();
        QTRY_VERIFY(ticks >= ticksAtShow + 25); // half a second of a live event loop
        QCOMPARE(clock.text(), QString::number(ticks));
        QVERIFY(o.window()->spinnerFrames() > framesAtShow);
        QVERIFY(!o.result);
        QCOMPARE(o.keyring->pending(), 1); // still the first question: the master key

        o.keyring->answerAll(); // the user has chosen the new keyring's password
        QTRY_VERIFY(o.result.has_value());
        QCOMPARE(o.answers, 1);
        QVERIFY(o.store());
        QCOMPARE((*o.result)->description, QStringLiteral("keychain"));
        QVERIFY(!o.window()->isVisible());
        const QByteArray stored = o.keyring->values.value(client::kMasterKeyKey);
        QCOMPARE(stored.size(), client::kMasterKeySize);

        // The profile opens with it.
        const int reads = o.keyring->reads;
        auto session = ui::Session::open(o.dir.path(), std::move((*o.result)->store));
        QVERIFY2(session, qPrintable(session ? QString() : session.error().toString()));
        QCOMPARE(bytes(*(*session)->secrets()->readSecret(client::kMasterKeyKey)), stored);
        QCOMPARE(o.keyring->reads, reads);
        ui::MainWindow window(session->get(), QStringLiteral("ws://127.0.0.1:1"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.isShowingChats()); // a new profile: the first-run page
    }

    void noTimeoutEndsTheWait() {
        // The old code gave up after 3 s while the user was still typing the keyring's password.
        Opening o;
        QElapsedTimer clock;
        clock.start();
        o.start();
        QTRY_VERIFY(o.waiting());
        std::optional<bool> stillWaiting; // checked when the answer comes, not by a second clock
        qint64 answeredAfterMs = 0;
        QTimer::singleShot(3500, Qt::PreciseTimer, this, [&] {
            stillWaiting = o.waiting() && !o.result;
            answeredAfterMs = clock.elapsed();
            o.keyring->answerAll();
        });
        QTRY_VERIFY_WITH_TIMEOUT(o.result.has_value(), 15000);
        QVERIFY(stillWaiting.has_value() && *stillWaiting);
        QVERIFY(answeredAfterMs > 3000); // longer than the old timeout
        QVERIFY(o.store());
    }

    void passphraseInsteadWhileWaiting() {
        Opening o;
        o.start();
        QTRY_VERIFY(o.waiting());
        QTest::mouseClick(o.window()->passphraseButton(), Qt::LeftButton);
        QCOMPARE(o.setup->state(), ui::SecretsSetup::State::Passphrase);
        choosePassphrase(o.setup->passphraseDialog());
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(o.store());
        QCOMPARE((*o.result)->description, QStringLiteral("passphrase file"));
        QVERIFY(!o.window()->isVisible());
        QVERIFY(QFile::exists(o.sealed()));

        // The keyring answers after all: ignored, and nothing is stored in it.
        o.keyring->answerAll();
        QTest::qWait(50);
        QCOMPARE(o.answers, 1);
        QCOMPARE(o.keyring->writes, 0);
        QVERIFY(o.keyring->values.isEmpty());

        // The file holds the key the session uses.
        auto file = client::PassphraseSecretStore::unlock(o.sealed(), kPassphrase);
        QVERIFY(file);
        QCOMPARE(bytes(*(*file)->readSecret(client::kMasterKeyKey)),
                 bytes(*o.store()->readSecret(client::kMasterKeyKey)));
    }

    void passphraseCancelledGoesBackToTheKeyring() {
        Opening o;
        o.start();
        QTRY_VERIFY(o.waiting());
        QTest::mouseClick(o.window()->passphraseButton(), Qt::LeftButton);
        QTRY_VERIFY(o.setup->passphraseDialog() && o.setup->passphraseDialog()->isVisible());
        o.setup->passphraseDialog()->reject();
        QTRY_VERIFY(o.waiting()); // nothing arrived meanwhile: still waiting

        // The keyring answers while the user is in the dialog: held until the dialog closes.
        QTest::mouseClick(o.window()->passphraseButton(), Qt::LeftButton);
        QTRY_VERIFY(o.setup->passphraseDialog() && o.setup->passphraseDialog()->isVisible());
        o.keyring->answerAll();
        QTest::qWait(50);
        QVERIFY(!o.result);
        o.setup->passphraseDialog()->reject();
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(o.store());
        QCOMPARE((*o.result)->description, QStringLiteral("keychain"));
        QVERIFY(!QFile::exists(o.sealed()));
    }

    void passphraseChosenAfterTheKeyringAnsweredRemovesItsKey() {
        Opening o;
        o.start();
        QTRY_VERIFY(o.waiting());
        QTest::mouseClick(o.window()->passphraseButton(), Qt::LeftButton);
        QTRY_VERIFY(o.setup->passphraseDialog() && o.setup->passphraseDialog()->isVisible());
        o.keyring->answerAll(); // it made and stored a new master key meanwhile
        QTRY_VERIFY(o.keyring->values.contains(client::kMasterKeyKey));
        choosePassphrase(o.setup->passphraseDialog());
        QTRY_VERIFY(o.result.has_value());
        QCOMPARE((*o.result)->description, QStringLiteral("passphrase file"));
        QTRY_VERIFY(o.keyring->values.isEmpty()); // the unused key is taken out again
    }

    void errorOffersRetry() {
        Opening o;
        o.start();
        QTRY_VERIFY(o.waiting());
        // What gnome-keyring answers when its prompt for a new keyring was closed.
        o.keyring->fail(Error{ErrorCode::Storage,
                              QStringLiteral("Object does not exist at path "
                                             "“/org/freedesktop/secrets/collection/login”")});
        QTRY_COMPARE(o.setup->state(), ui::SecretsSetup::State::KeyringFailed);
        QVERIFY(o.window()->isVisible());
        QVERIFY(!o.window()->isWaiting());
        QVERIFY(o.window()->detailText().contains(QStringLiteral("collection/login")));
        QVERIFY(o.window()->retryButton()->isVisible());
        QVERIFY(o.window()->passphraseButton()->isVisible());
        QVERIFY(!o.result);

        QTest::mouseClick(o.window()->retryButton(), Qt::LeftButton);
        QVERIFY(o.waiting()); // the window says at once that it asks again
        QCOMPARE(o.keyring->reads, 2);
        o.keyring->answerAll();
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(o.store());
        QCOMPARE((*o.result)->description, QStringLiteral("keychain"));
    }

    void errorOffersAPassphrase() {
        Opening o;
        o.start();
        // An answer within the delay still shows the error: the user must choose.
        o.keyring->fail(Error{ErrorCode::Forbidden, QStringLiteral("dismissed")});
        QTRY_COMPARE(o.setup->state(), ui::SecretsSetup::State::KeyringFailed);
        QVERIFY(o.window()->bodyText().contains(QStringLiteral("refused")));
        QTest::mouseClick(o.window()->passphraseButton(), Qt::LeftButton);
        choosePassphrase(o.setup->passphraseDialog());
        QTRY_VERIFY(o.result.has_value());
        QCOMPARE((*o.result)->description, QStringLiteral("passphrase file"));
        QVERIFY(QFile::exists(o.sealed()));
    }

    void noKeyringAsksForAPassphraseAtOnce() {
        Opening o;
        o.start();
        o.keyring->fail(Error{ErrorCode::Network, QStringLiteral("no keyring: no session bus")});
        QTRY_COMPARE(o.setup->state(), ui::SecretsSetup::State::Passphrase);
        QVERIFY(!o.window()); // as before: straight to the passphrase file
        auto *dialog = o.setup->passphraseDialog();
        QTRY_VERIFY(dialog->isVisible());
        QVERIFY(dialog->repeatEdit()); // choosing a new one
        dialog->reject();
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(*o.result);
        QVERIFY(!(*o.result)->store); // the user quit
    }

    void existingProfileNeedsItsKeyring() {
        Opening o;
        QFile cache(
            o.dir.filePath(QStringLiteral("client.sqlite"))); // sealed with the keyring's key
        QVERIFY(cache.open(QIODevice::WriteOnly));
        cache.close();
        o.start();
        QTRY_VERIFY(o.waiting());
        QVERIFY(!o.window()->passphraseButton()->isVisible());
        QVERIFY(o.window()->bodyText().contains(QStringLiteral("unlock")));
        o.keyring->fail(Error{ErrorCode::Network, QStringLiteral("no keyring")});
        QTRY_COMPARE(o.setup->state(), ui::SecretsSetup::State::KeyringFailed);
        QVERIFY(!o.window()->passphraseButton()->isVisible());
        QVERIFY(o.window()->retryButton()->isVisible());
        QTest::mouseClick(o.window()->quitButton(), Qt::LeftButton);
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(*o.result && !(*o.result)->store);
        QVERIFY(!o.window()->isVisible());
    }

    void quickKeyringShowsNothing() {
        Opening o(2000);
        o.start();
        o.keyring->answerAll();
        QTRY_VERIFY(o.result.has_value());
        QVERIFY(o.store());
        QTest::qWait(2100); // past the delay: the finished setup shows nothing late either
        QVERIFY(!o.window());
    }

    void profileFilesComeFirst() {
        // tidings-cli's plain file: opened at once, the keyring never asked.
        Opening plain;
        client::FileSecretStore file(plain.dir.filePath(QStringLiteral("secrets")));
        QVERIFY(file.write(client::kDeviceTokenKey, "tok").ok());
        plain.start();
        QVERIFY(plain.result.has_value());
        QVERIFY(plain.store());
        QCOMPARE(bytes(*plain.store()->readSecret(client::kDeviceTokenKey)), QByteArray("tok"));
        QVERIFY(!plain.keyring);

        // An existing passphrase file: unlocked; a wrong passphrase is said and asked again.
        Opening sealed;
        QVERIFY(client::PassphraseSecretStore::create(sealed.sealed(), kPassphrase));
        sealed.start();
        QCOMPARE(sealed.setup->state(), ui::SecretsSetup::State::Passphrase);
        choosePassphrase(sealed.setup->passphraseDialog(), QStringLiteral("wrong horse"));
        // The key is derived off the event loop; the dialog says it is working meanwhile.
        QVERIFY(sealed.setup->passphraseDialog()->isWorking());
        QVERIFY(!sealed.setup->passphraseDialog()->passphraseEdit()->isEnabled());
        QTRY_COMPARE(sealed.setup->passphraseDialog()->errorText(),
                     QStringLiteral("Wrong passphrase."));
        QVERIFY(sealed.setup->passphraseDialog()->isVisible());
        QVERIFY(!sealed.setup->passphraseDialog()->isWorking());
        QVERIFY(!sealed.result);
        choosePassphrase(sealed.setup->passphraseDialog());
        QTRY_VERIFY(sealed.result.has_value());
        QVERIFY(sealed.store());
        QVERIFY(!sealed.keyring);
    }

    void failedSaveOffersRetry() {
        auto owned = std::make_unique<LateKeyring>();
        LateKeyring *keyring = owned.get();
        QTemporaryDir dir;
        client::ProfileSecrets loaded;
        loaded.masterKey = crypto::SecretBytes::random(client::kMasterKeySize);
        client::SessionSecrets secrets(std::move(owned), std::move(loaded));
        QWidget window;
        auto *prompt = new ui::SecretSavePrompt(&secrets, dir.path(), &window);
        QSignalSpy saved(prompt, &ui::SecretSavePrompt::saved);
        QVERIFY(secrets.write(client::kDeviceTokenKey, "token").ok()); // as after a login
        keyring->fail(Error{ErrorCode::Forbidden, QStringLiteral("the keyring is locked")});
        QTRY_VERIFY(prompt->messageBox() && prompt->messageBox()->isVisible());
        QVERIFY(prompt->messageBox()->informativeText().contains(QStringLiteral("locked")));
        QVERIFY(prompt->passphraseButton());
        QTest::mouseClick(prompt->retryButton(), Qt::LeftButton);
        QTRY_COMPARE(keyring->pending(), 2); // every value again
        keyring->answerAll();
        QTRY_COMPARE(saved.count(), 1);
        QCOMPARE(keyring->values.value(client::kDeviceTokenKey), QByteArray("token"));
        QCOMPARE(keyring->values.value(client::kMasterKeyKey).size(), client::kMasterKeySize);
    }

    void failedSaveOffersAPassphraseFile() {
        auto owned = std::make_unique<LateKeyring>();
        owned->failAll(Error{ErrorCode::Storage, QStringLiteral("the keyring is broken")});
        QTemporaryDir dir;
        client::ProfileSecrets loaded;
        loaded.masterKey = crypto::SecretBytes::random(client::kMasterKeySize);
        const QByteArray key = bytes(loaded.masterKey);
        client::SessionSecrets secrets(std::move(owned), std::move(loaded));
        QWidget window;
        auto *prompt = new ui::SecretSavePrompt(&secrets, dir.path(), &window);
        QSignalSpy saved(prompt, &ui::SecretSavePrompt::saved);
        QVERIFY(secrets.write(client::kDeviceTokenKey, "token").ok());
        QTRY_VERIFY(prompt->messageBox() && prompt->messageBox()->isVisible());
        QTest::mouseClick(prompt->passphraseButton(), Qt::LeftButton);
        QTRY_VERIFY(prompt->passphraseDialog());
        choosePassphrase(prompt->passphraseDialog());
        QTRY_COMPARE(saved.count(), 1);
        auto file = client::PassphraseSecretStore::unlock(
            dir.filePath(QStringLiteral("secrets.sealed")), kPassphrase);
        QVERIFY(file);
        QCOMPARE(*(*file)->read(client::kDeviceTokenKey), QByteArray("token"));
        QCOMPARE(*(*file)->read(client::kMasterKeyKey), key);
    }

    void reconnectsNeverAskTheKeyring() {
        PgFixture pg;
        const QString err = pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        ServerHarness server(pg);
        QString e;
        QVERIFY2(server.start(&e), qPrintable(e));

        Opening o;
        o.start();
        o.keyring->answerAll();
        QTRY_VERIFY(o.store());
        LateKeyring *keyring = o.keyring;
        client::Client::Options options;
        options.connection.backoffBaseMs = 50;
        options.connection.backoffCapMs = 400;
        auto session = ui::Session::open(o.dir.path(), std::move((*o.result)->store), options);
        QVERIFY(session);
        ui::MainWindow window(session->get(), server.url().toString());
        window.show();
        auto *page = window.firstRun();
        QTest::keyClicks(page->usernameEdit(), QStringLiteral("keyringuser"));
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-keyring"));
        QTest::mouseClick(page->registerButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.isShowingChats(), 10000);
        auto *client = (*session)->client();
        QTRY_VERIFY(client->isAuthenticated());
        QTRY_COMPARE(keyring->values.value(client::kDeviceTokenKey).isEmpty(), false);

        // From now on the keyring would keep the app waiting forever: reconnects must not care.
        keyring->answerOnlyWhenTold();
        const int reads = keyring->reads;
        for (int i = 0; i < 2; ++i) {
            client->connection()->reconnect(QStringLiteral("test"));
            QTRY_VERIFY(!client->isAuthenticated());
            QTRY_VERIFY_WITH_TIMEOUT(client->isAuthenticated(), 10000);
        }
        server.stop(); // and a real outage
        QTRY_VERIFY(!client->isAuthenticated());
        QVERIFY2(server.start(&e), qPrintable(e));
        QTRY_VERIFY_WITH_TIMEOUT(client->isAuthenticated(), 15000);
        QCOMPARE(keyring->reads, reads);
        QCOMPARE(keyring->pending(), 0);
        window.close();
    }
};

QTEST_MAIN(TestGuiKeyring)
#include "test_gui_keyring.moc"
