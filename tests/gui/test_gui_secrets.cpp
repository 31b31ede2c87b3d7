// The desktop app's secret stores: the passphrase file round-trips and refuses a wrong
// passphrase; the keychain store gives up instead of hanging when no keyring answers.
#include "core/secrets/keychain_secret_store.h"
#include "core/secrets/passphrase_secret_store.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;

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
        QVERIFY((*right)->remove(kDeviceTokenKey));
        QVERIFY((*right)->read(kDeviceTokenKey)->isEmpty());
    }

    void keychainWithoutBusGivesUpFast() {
        // No session bus: the store must answer at once rather than block.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        QTemporaryDir runtime;
        qputenv("XDG_RUNTIME_DIR", runtime.path().toUtf8());
        QElapsedTimer timer;
        timer.start();
        KeychainSecretStore store(QStringLiteral("Tidings-test"), QStringLiteral("t"), 2000);
        QVERIFY(!store.probe());
        QVERIFY(!store.read(kDeviceTokenKey));
        QVERIFY(timer.elapsed() < 2500);
    }
};

QTEST_MAIN(TestGuiSecrets)
#include "test_gui_secrets.moc"
