// The desktop app's secret stores: the passphrase file round-trips and refuses a wrong
// passphrase; the keychain store answers at once (with "no keyring") when no session bus exists;
// the one-time read of a profile's secrets waits for a keyring that answers late, and leaves
// nothing behind when cancelled; SessionSecrets serves reads from memory and saves writes in the
// background. With TIDINGS_REAL_KEYRING=1 (ctest runs it so under dbus-run-session and an
// unlocked gnome-keyring, see keyring_run.sh) the same against the real Secret Service.
#include "late_keyring.h"

#include "core/secrets/keychain_secret_store.h"
#include "core/secrets/master_key.h"
#include "core/secrets/passphrase_secret_store.h"
#include "core/secrets/profile_secrets.h"
#include "core/secrets/session_secrets.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace tidings;
using namespace tidings::client;
using tidings::test::LateKeyring;

namespace {
QByteArray bytes(const crypto::SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size()));
}
crypto::SecretBytes secret(const QByteArray &b) {
    return crypto::SecretBytes::fromRaw(b.constData(), size_t(b.size()));
}
} // namespace

class TestGuiSecrets : public QObject {
    Q_OBJECT
private slots:
    void passphraseFileRoundTrips() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.sealed"));
        {
            auto store = PassphraseSecretStore::create(path, QStringLiteral("correct horse"));
            QVERIFY(store);
            QVERIFY((*store)->write(kDeviceTokenKey, QByteArray("\x01token\xff", 7)));
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains("token"));
        QCOMPARE(int(f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther)), 0);
        auto wrong = PassphraseSecretStore::unlock(path, QStringLiteral("wrong horse"));
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::BadCredentials);
        auto right = PassphraseSecretStore::unlock(path, QStringLiteral("correct horse"));
        QVERIFY(right);
        QCOMPARE(*(*right)->read(kDeviceTokenKey), QByteArray("\x01token\xff", 7));
        QCOMPARE(bytes(*(*right)->readSecret(kDeviceTokenKey)), QByteArray("\x01token\xff", 7));
        QVERIFY((*right)->remove(kDeviceTokenKey));
        QVERIFY((*right)->read(kDeviceTokenKey)->isEmpty());
    }

    void keychainWithoutBusAnswersAtOnce() {
        if (qEnvironmentVariableIntValue("TIDINGS_REAL_KEYRING"))
            QSKIP("runs without a session bus only");
        // No session bus: the store must answer "no keyring" at once rather than block, and
        // asynchronously like every keychain answer.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        QTemporaryDir runtime;
        qputenv("XDG_RUNTIME_DIR", runtime.path().toUtf8());
        QElapsedTimer timer;
        timer.start();
        KeychainSecretStore store(QStringLiteral("Tidings-test"), QStringLiteral("t"));
        QVERIFY(!store.reachable());
        std::optional<Result<crypto::SecretBytes>> answer;
        store.readAsync(kDeviceTokenKey,
                        [&answer](Result<crypto::SecretBytes> r) { answer = std::move(r); });
        QVERIFY(!answer); // never inside the call
        QTRY_VERIFY(answer.has_value());
        QVERIFY(!*answer);
        QCOMPARE(answer->error().code, ErrorCode::Network);
        QVERIFY(timer.elapsed() < 1000);
    }

    void keychainErrorsAreClassified() {
        // What QtKeychain's libsecret backend reports (seen on Debian 12): no Secret Service on
        // the bus is "no keyring"; a prompt that could not be shown or was closed is an error.
        QCOMPARE(KeychainSecretStore::toError(7, QStringLiteral("The name org.freedesktop.secrets "
                                                                "was not provided by any .service "
                                                                "files"))
                     .code,
                 ErrorCode::Network);
        QCOMPARE(KeychainSecretStore::toError(
                     7, QStringLiteral("Object does not exist at path "
                                       "“/org/freedesktop/secrets/collection/login”"))
                     .code,
                 ErrorCode::Storage);
        QCOMPARE(KeychainSecretStore::toError(5, QStringLiteral("no backend")).code,
                 ErrorCode::Network);
        QCOMPARE(KeychainSecretStore::toError(4, QStringLiteral("locked")).code,
                 ErrorCode::Forbidden);
    }

    void loaderCreatesTheMasterKeyOnce() {
        MemorySecretStore store;
        std::optional<Result<ProfileSecrets>> first;
        ProfileSecretsLoader loader(store);
        loader.start([&first](Result<ProfileSecrets> r) { first = std::move(r); });
        QVERIFY(first && *first); // a store that answers at once: done within start()
        QVERIFY((*first)->masterKeyCreated);
        QCOMPARE(int((*first)->masterKey.size()), kMasterKeySize);
        QVERIFY((*first)->deviceToken.isEmpty());
        QVERIFY(store.write(kDeviceTokenKey, "tok").ok());

        std::optional<Result<ProfileSecrets>> second;
        loader.start([&second](Result<ProfileSecrets> r) { second = std::move(r); });
        QVERIFY(second && *second);
        QVERIFY(!(*second)->masterKeyCreated);
        QVERIFY((*second)->masterKey.equals((*first)->masterKey));
        QCOMPARE(bytes((*second)->deviceToken), QByteArray("tok"));
    }

    void loaderWaitsForALateKeyring() {
        LateKeyring keyring;
        std::optional<Result<ProfileSecrets>> done;
        ProfileSecretsLoader loader(keyring);
        loader.start([&done](Result<ProfileSecrets> r) { done = std::move(r); });
        QCOMPARE(keyring.pending(), 1); // the master key
        QTest::qWait(50);               // nothing gives up by itself
        QVERIFY(!done);
        QVERIFY(loader.isRunning());
        keyring.answerNext(); // absent: a new key is written
        QCOMPARE(keyring.writes, 1);
        keyring.answerNext(); // written: the token is read
        QCOMPARE(keyring.reads, 2);
        QVERIFY(!done);
        keyring.answerNext();
        QVERIFY(done && *done);
        QVERIFY(!loader.isRunning());
        QCOMPARE(keyring.values.value(kMasterKeyKey), bytes((*done)->masterKey));
    }

    void loaderCancelledLeavesNothingInTheKeyring() {
        LateKeyring keyring;
        bool called = false;
        ProfileSecretsLoader loader(keyring);
        loader.start([&called](Result<ProfileSecrets>) { called = true; });
        keyring.answerNext(); // no key yet: the new one is on its way
        QCOMPARE(keyring.writes, 1);
        loader.cancel();      // the user chose a passphrase meanwhile
        keyring.answerNext(); // ... and the keyring stores it after all
        QCOMPARE(keyring.removes, 1);
        keyring.answerNext();
        QVERIFY(keyring.values.isEmpty());
        QVERIFY(!called);

        // Cancelled before the first answer: nothing is written at all.
        LateKeyring other;
        ProfileSecretsLoader early(other);
        early.start([&called](Result<ProfileSecrets>) { called = true; });
        early.cancel();
        other.answerNext();
        QCOMPARE(other.writes, 0);
        QCOMPARE(other.pending(), 0);
        QVERIFY(!called);
    }

    void loaderReportsErrorsAndDamage() {
        LateKeyring keyring;
        std::optional<Result<ProfileSecrets>> done;
        ProfileSecretsLoader loader(keyring);
        loader.start([&done](Result<ProfileSecrets> r) { done = std::move(r); });
        keyring.fail(Error{ErrorCode::Forbidden, QStringLiteral("dismissed")});
        QVERIFY(done && !*done);
        QCOMPARE(done->error().code, ErrorCode::Forbidden);

        keyring.values.insert(kMasterKeyKey, QByteArray(5, 'x'));
        done.reset();
        loader.start([&done](Result<ProfileSecrets> r) { done = std::move(r); });
        keyring.answerNext();
        QVERIFY(done && !*done);
        QCOMPARE(done->error().code, ErrorCode::Storage); // never silently replaced
        QCOMPARE(keyring.writes, 0);
    }

    void sessionSecretsReadFromMemoryAndSaveInTheBackground() {
        auto owned = std::make_unique<LateKeyring>();
        LateKeyring *keyring = owned.get();
        ProfileSecrets loaded;
        loaded.masterKey = crypto::SecretBytes::random(kMasterKeySize);
        loaded.deviceToken = secret("old-token");
        SessionSecrets secrets(std::move(owned), std::move(loaded));
        for (int i = 0; i < 3; ++i) // reconnects
            QCOMPARE(bytes(*secrets.readSecret(kDeviceTokenKey)), QByteArray("old-token"));
        QCOMPARE(*secrets.read(kDeviceTokenKey), QByteArray("old-token"));
        QCOMPARE(keyring->reads, 0);

        QStringList failed;
        secrets.setSaveFailedHandler(
            [&failed](const QString &key, const Error &) { failed.append(key); });
        QVERIFY(secrets.write(kDeviceTokenKey, "new-token").ok()); // at once, while unsaved
        QCOMPARE(bytes(*secrets.readSecret(kDeviceTokenKey)), QByteArray("new-token"));
        QCOMPARE(secrets.pendingSaves(), 1);
        keyring->answerNext();
        QCOMPARE(secrets.pendingSaves(), 0);
        QCOMPARE(keyring->values.value(kDeviceTokenKey), QByteArray("new-token"));
        QVERIFY(failed.isEmpty());

        QVERIFY(secrets.write(kDeviceTokenKey, "third").ok());
        keyring->fail(Error{ErrorCode::Forbidden, QStringLiteral("locked")});
        QCOMPARE(failed, QStringList{kDeviceTokenKey});
        QCOMPARE(bytes(*secrets.readSecret(kDeviceTokenKey)), QByteArray("third"));

        // Everything moves to another store (the user chose a passphrase file).
        auto file = std::make_unique<MemorySecretStore>();
        MemorySecretStore *target = file.get();
        secrets.replaceBacking(std::move(file));
        std::optional<Status> saved;
        secrets.saveAll([&saved](Status s) { saved = s; });
        QVERIFY(saved && saved->ok());
        QCOMPARE(*target->read(kDeviceTokenKey), QByteArray("third"));
        QCOMPARE(int(target->read(kMasterKeyKey)->size()), kMasterKeySize);
    }

    void realKeyringRoundTrip() {
        if (!qEnvironmentVariableIntValue("TIDINGS_REAL_KEYRING"))
            QSKIP("needs a D-Bus session with gnome-keyring (TIDINGS_REAL_KEYRING=1)");
        const QString account = QStringLiteral("test-%1").arg(QCoreApplication::applicationPid());
        KeychainSecretStore store(QStringLiteral("Tidings-test"), account);
        QVERIFY(store.reachable());
        std::optional<Status> wrote;
        store.writeAsync(kDeviceTokenKey, secret(QByteArray("\x00\x01tok\xff", 6)),
                         [&wrote](Status s) { wrote = s; });
        QVERIFY(!wrote);
        QTRY_VERIFY_WITH_TIMEOUT(wrote.has_value(), 20000);
        QVERIFY2(wrote->ok(), qPrintable(wrote->ok() ? QString() : wrote->error().toString()));
        std::optional<Result<crypto::SecretBytes>> read;
        store.readAsync(kDeviceTokenKey,
                        [&read](Result<crypto::SecretBytes> r) { read = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 20000);
        QVERIFY(*read);
        QCOMPARE(bytes(**read), QByteArray("\x00\x01tok\xff", 6));

        // The profile's secrets through the real keyring: created once, then read back.
        std::optional<Result<ProfileSecrets>> first;
        ProfileSecretsLoader loader(store);
        loader.start([&first](Result<ProfileSecrets> r) { first = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(first.has_value(), 20000);
        QVERIFY(*first);
        QVERIFY((*first)->masterKeyCreated);
        QCOMPARE(bytes((*first)->deviceToken), QByteArray("\x00\x01tok\xff", 6));
        std::optional<Result<ProfileSecrets>> second;
        loader.start([&second](Result<ProfileSecrets> r) { second = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(second.has_value(), 20000);
        QVERIFY(*second && !(*second)->masterKeyCreated);
        QVERIFY((*second)->masterKey.equals((*first)->masterKey));

        for (const QString &key : {kDeviceTokenKey, kMasterKeyKey}) {
            std::optional<Status> removed;
            store.removeAsync(key, [&removed](Status s) { removed = s; });
            QTRY_VERIFY_WITH_TIMEOUT(removed.has_value(), 20000);
            QVERIFY(removed->ok());
        }
        read.reset();
        store.readAsync(kMasterKeyKey,
                        [&read](Result<crypto::SecretBytes> r) { read = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 20000);
        QVERIFY(*read && (*read)->isEmpty());
    }
};

QTEST_MAIN(TestGuiSecrets)
#include "test_gui_secrets.moc"
