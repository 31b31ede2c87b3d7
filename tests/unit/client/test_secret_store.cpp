// The CLI's device token file: round trip, 0600 permissions, removal, corrupt file reported; a
// synchronous store answers the asynchronous interface before the call returns.
#include "core/secrets/secret_store.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace tidings;
using namespace tidings::client;

class TestSecretStore : public QObject {
    Q_OBJECT
private slots:
    void roundTripAndPermissions() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets"));
        FileSecretStore s(path);
        QVERIFY(s.read(kDeviceTokenKey)->isEmpty());
        const QByteArray token("\x00\x01\xfe\xff binary token", 17);
        QVERIFY(s.write(kDeviceTokenKey, token).ok());
        QCOMPARE(FileSecretStore(path).read(kDeviceTokenKey).value(), token);
        const auto perms = QFile::permissions(path);
        QVERIFY(perms.testFlag(QFileDevice::ReadOwner) && perms.testFlag(QFileDevice::WriteOwner));
        const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                            QFileDevice::ExeGroup | QFileDevice::ReadOther |
                            QFileDevice::WriteOther | QFileDevice::ExeOther | QFileDevice::ExeOwner;
        QVERIFY2(!(perms & others), "the secrets file must be 0600");
        QVERIFY(!QFile::exists(path + QStringLiteral(".tmp")));
        QVERIFY(s.remove(kDeviceTokenKey).ok());
        QVERIFY(s.read(kDeviceTokenKey)->isEmpty());
    }

    void corruptFileIsAnError() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not json");
        f.close();
        auto r = FileSecretStore(path).read(kDeviceTokenKey);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Storage);
    }

    void answersTheAsyncInterfaceAtOnce() {
        QTemporaryDir dir;
        FileSecretStore s(dir.filePath(QStringLiteral("secrets")));
        AsyncSecretStore &async = s;
        const QByteArray token("\x00tok\xff", 5);
        std::optional<Status> wrote;
        async.writeAsync(kDeviceTokenKey,
                         crypto::SecretBytes::fromRaw(token.constData(), size_t(token.size())),
                         [&wrote](Status st) { wrote = st; });
        QVERIFY(wrote && wrote->ok()); // before writeAsync returned
        QCOMPARE(s.read(kDeviceTokenKey).value(), token);
        std::optional<Result<crypto::SecretBytes>> read;
        async.readAsync(kDeviceTokenKey,
                        [&read](Result<crypto::SecretBytes> r) { read = std::move(r); });
        QVERIFY(read && *read);
        QVERIFY((*read)->equals(token.constData(), size_t(token.size())));
        QVERIFY(s.readSecret(kDeviceTokenKey)->equals(token.constData(), size_t(token.size())));
        std::optional<Status> removed;
        async.removeAsync(kDeviceTokenKey, [&removed](Status st) { removed = st; });
        QVERIFY(removed && removed->ok());
        QVERIFY(s.readSecret(kDeviceTokenKey)->isEmpty());

        QFile f(s.path()); // a damaged file is an error through both interfaces
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not json");
        f.close();
        read.reset();
        async.readAsync(kDeviceTokenKey,
                        [&read](Result<crypto::SecretBytes> r) { read = std::move(r); });
        QVERIFY(read && !*read);
        QCOMPARE(read->error().code, ErrorCode::Storage);
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "test_secret_store.moc"
