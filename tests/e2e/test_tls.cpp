// Native TLS (issue 13): tidingsd serves wss:// on its one port with a PEM certificate; a file
// that does not load is an error before it listens; a renewed certificate is picked up without a
// restart while open connections go on. Clients accept a certificate no authority signed only
// when it is the one whose fingerprint the user trusted (trust on first use), and stop loudly
// when it changes; files travel over https:// under the same trust. Through the client core's
// Connection in-process, and through tidingsd and tidings-cli as processes.
#include "core/net/connection.h"
#include "gateway/gateway.h"
#include "gateway/tls.h"
#include "server.h"
#include "support/integration_fixture.h"
#include "support/process_harness.h"

#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using server::TlsFiles;

namespace {

struct Outcome {
    bool opened = false;
    std::optional<Error> refused;
    QString presented;
    bool pong = false;
};

//! A client Connection to `url` that trusts `pin` (empty: authorities only); pings once open.
Outcome connectWith(const QUrl &url, const QString &pin) {
    client::Connection c;
    c.setPinnedCertificate(pin);
    Outcome o;
    QObject::connect(&c, &client::Connection::opened, [&] {
        o.opened = true;
        protocol::Frame ping;
        ping.mutable_ping()->set_client_time_ms(1);
        c.request(ping, [&](Result<protocol::Frame> r) { o.pong = r && r->has_pong(); });
    });
    QObject::connect(&c, &client::Connection::certificateRefused,
                     [&](const Error &e) { o.refused = e; });
    c.open(url);
    (void)QTest::qWaitFor([&] { return o.pong || o.refused.has_value(); }, 15000);
    o.presented = c.presentedCertificate();
    c.close();
    return o;
}

QString fingerprintOf(const QString &certFile) {
    QFile f(certFile);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const auto certs = QSslCertificate::fromData(f.readAll());
    return certs.isEmpty() ? QString() : server::certificateFingerprint(certs.first());
}

} // namespace

class TestTls : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_dir;

    TlsFiles files(const QString &name) const {
        return TlsFiles{m_dir.filePath(name + QStringLiteral(".crt")),
                        m_dir.filePath(name + QStringLiteral(".key"))};
    }
    static QUrl wss(QUrl url) {
        url.setScheme(QStringLiteral("wss"));
        return url;
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void filesAreCheckedBeforeListening() {
        const TlsFiles a = files(QStringLiteral("a")), b = files(QStringLiteral("b"));
        QVERIFY(server::writeSelfSignedCertificate(a, {QStringLiteral("127.0.0.1")}).ok());
        QVERIFY(server::writeSelfSignedCertificate(b, {QStringLiteral("127.0.0.1")}).ok());
        QCOMPARE(QFile::permissions(a.keyFile) & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        QVERIFY(server::loadTlsConfiguration(a).ok());
        const auto refusal = [](const TlsFiles &f) {
            auto r = server::loadTlsConfiguration(f);
            return r ? QString() : r.error().detail;
        };
        QVERIFY(refusal({m_dir.filePath("none.crt"), a.keyFile}).contains("cannot read"));
        QVERIFY(refusal({a.keyFile, a.keyFile}).contains("no PEM certificate"));
        QVERIFY(refusal({a.certFile, a.certFile}).contains("no unencrypted PEM private key"));
        QVERIFY(refusal({a.certFile, b.keyFile}).contains("is not the key of the certificate"));
        // A server whose files do not load does not start, and says why.
        server::ServerConfig config;
        config.tlsCertFile = a.certFile;
        config.tlsKeyFile = b.keyFile;
        QString error;
        QVERIFY(!m_fx.freshServer(config, &error));
        QVERIFY2(error.contains("is not the key of the certificate"), qPrintable(error));
    }

    void aSelfSignedServerIsTrustedByItsFingerprintOnly() {
        const TlsFiles f = files(QStringLiteral("server"));
        QVERIFY(server::writeSelfSignedCertificate(
                    f, {QStringLiteral("127.0.0.1"), QStringLiteral("localhost")})
                    .ok());
        server::ServerConfig config;
        config.tlsCertFile = f.certFile;
        config.tlsKeyFile = f.keyFile;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        const QString fingerprint = h->server()->gateway()->tlsFingerprint();
        QCOMPARE(fingerprint.size(), 32 * 3 - 1);
        QCOMPARE(fingerprint, fingerprintOf(f.certFile));
        const QUrl url = wss(h->url());

        // First contact: refused, with the fingerprint to compare (and nothing sent).
        Outcome first = connectWith(url, {});
        QVERIFY(!first.opened);
        QVERIFY(first.refused);
        QCOMPARE(first.refused->code, ErrorCode::UntrustedCertificate);
        QVERIFY(first.refused->detail.contains(fingerprint));
        QCOMPARE(first.presented, fingerprint);
        // Trusted by that fingerprint: the protocol runs over TLS.
        Outcome trusted = connectWith(url, fingerprint);
        QVERIFY(!trusted.refused);
        QVERIFY(trusted.opened && trusted.pong);
        // A pin of another certificate: the loud stop.
        Outcome other = connectWith(url, fingerprintOf(files(QStringLiteral("a")).certFile));
        QVERIFY(other.refused);
        QCOMPARE(other.refused->code, ErrorCode::CertificateChanged);
        QVERIFY(!other.opened);
        // Plain ws:// to a TLS port is not served.
        QUrl plain = url;
        plain.setScheme(QStringLiteral("ws"));
        client::Connection c;
        bool opened = false;
        QObject::connect(&c, &client::Connection::opened, [&] { opened = true; });
        c.open(plain);
        QTest::qWait(1000);
        QVERIFY(!opened);
        c.close();
    }

    void aRenewedCertificateIsPickedUpWithoutARestart() {
        const TlsFiles f = files(QStringLiteral("renewed"));
        QVERIFY(server::writeSelfSignedCertificate(f, {QStringLiteral("127.0.0.1")}).ok());
        server::ServerConfig config;
        config.tlsCertFile = f.certFile;
        config.tlsKeyFile = f.keyFile;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        const QUrl url = wss(h->url());
        const QString before = h->server()->gateway()->tlsFingerprint();

        // A connection open across the renewal.
        client::Connection kept;
        kept.setPinnedCertificate(before);
        bool keptOpen = false;
        QObject::connect(&kept, &client::Connection::opened, [&] { keptOpen = true; });
        kept.open(url);
        QTRY_VERIFY_WITH_TIMEOUT(keptOpen, 15000);

        // The files are replaced (as certbot does): the server notices by itself.
        QVERIFY(server::writeSelfSignedCertificate(f, {QStringLiteral("127.0.0.1")}).ok());
        const QString after = fingerprintOf(f.certFile);
        QVERIFY(after != before);
        QTRY_COMPARE_WITH_TIMEOUT(h->server()->gateway()->tlsFingerprint(), after, 10000);
        std::optional<bool> pong;
        protocol::Frame ping;
        ping.mutable_ping()->set_client_time_ms(1);
        kept.request(ping, [&](Result<protocol::Frame> r) { pong = r && r->has_pong(); });
        QTRY_VERIFY_WITH_TIMEOUT(pong.has_value(), 10000);
        QVERIFY(*pong);
        // New connections get the new certificate: the old pin stops, the new one passes.
        QCOMPARE(connectWith(url, before).refused.value_or(Error{}).code,
                 ErrorCode::CertificateChanged);
        QVERIFY(connectWith(url, after).pong);

        // A broken renewal (the key file is junk) leaves the working certificate in place.
        QFile key(f.keyFile);
        QVERIFY(key.open(QIODevice::WriteOnly | QIODevice::Truncate));
        key.write("not a key\n");
        key.close();
        QVERIFY(!h->server()->reloadTls().ok());
        QCOMPARE(h->server()->gateway()->tlsFingerprint(), after);
        QVERIFY(connectWith(url, after).pong);
        kept.close();
    }

    void theCliTrustsOnFirstUseAndStopsWhenTheCertificateChanges() {
        if (!ProcessHarness::binariesKnown())
            QSKIP("TIDINGSD_BIN and TIDINGS_CLI_BIN are not set: run through ctest");
        const TlsFiles f = files(QStringLiteral("process"));
        auto proc = m_fx.processServer({QStringLiteral("--tls-cert"), f.certFile,
                                        QStringLiteral("--tls-key"), f.keyFile,
                                        QStringLiteral("--tls-self-signed")});
        QVERIFY(proc);
        QVERIFY(proc->url().startsWith(QLatin1String("wss://")));
        const QString fingerprint = proc->certificateFingerprint();
        QCOMPARE(fingerprint, fingerprintOf(f.certFile));
        const QStringList server{QStringLiteral("--server"), proc->url()};

        // Unknown certificate: a typed refusal that names the fingerprint.
        auto untrusted =
            proc->cli("tina", server + QStringList{"register", "tina"}, "password-t\n");
        QVERIFY(untrusted.exitCode != 0);
        QVERIFY2(untrusted.err.contains("UNTRUSTED_CERTIFICATE"), untrusted.err.constData());
        QVERIFY(untrusted.err.contains(fingerprint.toLatin1()));
        // Trusted by the fingerprint the admin handed out (in lower case, as people paste it).
        auto registered = proc->cli(
            "tina",
            server + QStringList{"--trust-certificate", fingerprint.toLower(), "register", "tina"},
            "password-t\n");
        QVERIFY2(registered.exitCode == 0, registered.err.constData());
        // The trust is saved with the account.
        const QStringList session{QStringLiteral("receive"), QStringLiteral("--wait-ms"),
                                  QStringLiteral("500")};
        auto again = proc->cli("tina", session);
        QVERIFY2(again.exitCode == 0, again.err.constData());

        // Files travel over https:// to the same server, trusted by the same fingerprint (the
        // upload's worker connections and the download alike).
        QCOMPARE(
            proc->cli("tom",
                      server + QStringList{"--trust-certificate", fingerprint, "register", "tom"},
                      "password-o\n")
                .exitCode,
            0);
        QByteArray bytes(300'000, '\0');
        for (qsizetype i = 0; i < bytes.size(); ++i)
            bytes[i] = char((i * 7919) % 251);
        const QString path = m_dir.filePath("notes.bin");
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes);
        out.close();
        auto sent = proc->cli("tina", {"send", "tom", "--file", path});
        QVERIFY2(sent.exitCode == 0, sent.err.constData());
        const QString id = sent.lines().value(0).value("id").toString();
        QVERIFY(!id.isEmpty());
        auto got = proc->cli("tom", {"receive", "--until-count", "1", "--wait-ms", "20000"});
        QCOMPARE(got.exitCode, 0);
        const QString downloads = m_dir.filePath("downloads");
        QVERIFY(QDir().mkpath(downloads));
        auto fetched = proc->cli("tom", {"download", id, "--out", downloads});
        QVERIFY2(fetched.exitCode == 0, fetched.err.constData());
        QFile in(fetched.lines().value(0).value("path").toString());
        QVERIFY(in.open(QIODevice::ReadOnly));
        QCOMPARE(in.readAll(), bytes);

        // A new certificate on the same address: a loud stop, not a silent reconnect.
        proc->stopServer();
        QVERIFY(server::writeSelfSignedCertificate(f, {QStringLiteral("127.0.0.1")}).ok());
        QVERIFY(proc->startServer());
        auto changed = proc->cli("tina", session);
        QVERIFY(changed.exitCode != 0);
        QVERIFY2(changed.err.contains("CERTIFICATE_CHANGED"), changed.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "test_tls.moc"
