// The desktop against a server with a self-signed certificate (issue 13, native TLS): the first
// screen shows the certificate's fingerprint to compare before anything is sent; "Trust this
// certificate" creates the account over it; later, another certificate on the same server stops
// the session with a warning whose default is to stay disconnected.
#include "gui_helpers.h"

#include "dialogs/certificate_prompt.h"
#include "views/connection_banner.h"
#include "views/conversation_view.h"

#include "core/net/connection.h"
#include "gateway/gateway.h"
#include "gateway/tls.h"
#include "server.h"
#include "support/pg_fixture.h"
#include "support/server_harness.h"

#include <QTemporaryDir>

using namespace tidings;
using namespace tidings::test;

class TestGuiTls : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    QTemporaryDir m_dir;
    server::TlsFiles m_files;

    QString url() const {
        QUrl u = m_server->url();
        u.setScheme(QStringLiteral("wss"));
        return u.toString();
    }

private slots:
    void initTestCase() {
        qputenv("XDG_RUNTIME_DIR", m_dir.path().toUtf8());
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_files = server::TlsFiles{m_dir.filePath("server.crt"), m_dir.filePath("server.key")};
        QVERIFY(server::writeSelfSignedCertificate(m_files, {QStringLiteral("127.0.0.1")}).ok());
        server::ServerConfig config;
        config.tlsCertFile = m_files.certFile;
        config.tlsKeyFile = m_files.keyFile;
        m_server = std::make_unique<ServerHarness>(m_pg, config);
        QString e;
        QVERIFY2(m_server->start(&e), qPrintable(e));
    }
    void cleanupTestCase() { m_server.reset(); }

    void theFirstScreenAsksThenTheSessionStopsOnAChange() {
        Device d;
        QVERIFY(d.open(m_dir.filePath("tess"), url()));
        auto *page = d.window->firstRun();
        QTest::keyClicks(page->usernameEdit(), QStringLiteral("tess"));
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-tess"));
        QTest::mouseClick(page->registerButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->certificatePrompt(), 10000);
        ui::CertificatePrompt *prompt = page->certificatePrompt();
        const QString fingerprint = m_server->server()->gateway()->tlsFingerprint();
        // The fingerprint is shown in two halves of 16 pairs; Cancel is the default.
        const QStringList pairs = fingerprint.split(QLatin1Char(':'));
        QVERIFY(prompt->messageBox()->text().contains(pairs.mid(0, 16).join(QLatin1Char(':'))));
        QVERIFY(prompt->messageBox()->text().contains(pairs.mid(16).join(QLatin1Char(':'))));
        QCOMPARE(prompt->messageBox()->defaultButton(), prompt->cancelButton());
        QVERIFY(page->errorText().contains(QStringLiteral("no authority signed")));
        QVERIFY(!d.window->isShowingChats());
        QTest::mouseClick(prompt->trustButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(d.window->isShowingChats(), 15000);
        QTRY_VERIFY(d.session->client()->isAuthenticated());
        QCOMPARE(d.session->client()->account().settings().serverCertificate, fingerprint);

        // The server gets another certificate: the session stops, the banner says so, and the
        // warning offers to stay disconnected first.
        QVERIFY(server::writeSelfSignedCertificate(m_files, {QStringLiteral("127.0.0.1")}).ok());
        QTRY_VERIFY_WITH_TIMEOUT(m_server->server()->gateway()->tlsFingerprint() != fingerprint,
                                 10000);
        d.session->client()->connection()->reconnect(QStringLiteral("test"));
        QTRY_VERIFY_WITH_TIMEOUT(d.window->certificatePrompt(), 15000);
        ui::CertificatePrompt *warning = d.window->certificatePrompt();
        QCOMPARE(warning->messageBox()->windowTitle(),
                 QStringLiteral("The server's certificate changed"));
        QCOMPARE(warning->messageBox()->defaultButton(), warning->cancelButton());
        QTRY_COMPARE(d.session->client()->connection()->state(), client::Connection::State::Idle);
        QTRY_VERIFY(d.window->conversation()->banner()->text().contains(
            QStringLiteral("not the one you trusted")));
        QTest::mouseClick(warning->cancelButton(), Qt::LeftButton);
        QTest::qWait(500);
        QVERIFY(!d.session->client()->isAuthenticated());
        d.close();
    }
};

QTEST_MAIN(TestGuiTls)
#include "test_gui_tls.moc"
