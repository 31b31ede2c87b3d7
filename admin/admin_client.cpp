#include "admin_client.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <memory>
#include <optional>

namespace tidings::admin {

namespace {

constexpr qint64 kMaxAnswerBytes = 16 * 1024 * 1024;
constexpr int kAnswerTimeoutMs = 60000;

Error network(const QString &detail) {
    return Error{ErrorCode::Network, detail};
}

ErrorCode codeFromName(const QString &name) {
    for (int c = 0; c <= int(ErrorCode::BadBackup); ++c) {
        if (name == QLatin1String(errorCodeName(ErrorCode(c))))
            return ErrorCode(c);
    }
    return ErrorCode::Internal;
}

} // namespace

QString findTidingsd(const QString &preferred) {
    if (!preferred.isEmpty())
        return preferred;
    QString found = QStandardPaths::findExecutable(QStringLiteral("tidingsd"),
                                                   {QCoreApplication::applicationDirPath()});
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(QStringLiteral("tidingsd"));
    return found.isEmpty() ? QStringLiteral("tidingsd") : found;
}

QString findDataDir(const QString &dataDirOption, const QString &configOption, QString *error) {
    if (!dataDirOption.isEmpty())
        return QDir(dataDirOption).absolutePath();
    if (!configOption.isEmpty()) {
        if (!QFile::exists(configOption)) {
            *error = QStringLiteral("%1: no such config file").arg(configOption);
            return {};
        }
        QSettings file(configOption, QSettings::IniFormat);
        const QString dir = file.value(QStringLiteral("server/data-dir")).toString();
        if (dir.isEmpty()) {
            *error =
                QStringLiteral("%1 names no data-dir in its [server] section").arg(configOption);
            return {};
        }
        return QDir(dir).absolutePath();
    }
    const QString env = qEnvironmentVariable("TIDINGS_DATA_DIR");
    return env.isEmpty() ? QStringLiteral("/var/lib/tidings") : QDir(env).absolutePath();
}

AdminClient::AdminClient(QString dataDir, QObject *parent)
    : QObject(parent)
    , m_dataDir(std::move(dataDir)) {}

AdminClient::~AdminClient() = default;

bool AdminClient::serverListening() const {
    QLocalSocket probe;
    probe.connectToServer(QDir(m_dataDir).filePath(QStringLiteral("admin.sock")));
    return probe.waitForConnected(1000);
}

bool AdminClient::ensureConnected(Error *error) {
    if (m_socket && m_socket->state() == QLocalSocket::ConnectedState)
        return true;
    QFile tokenFile(QDir(m_dataDir).filePath(QStringLiteral("admin.token")));
    if (!tokenFile.open(QIODevice::ReadOnly)) {
        *error = Error{ErrorCode::Forbidden,
                       QStringLiteral("cannot read %1 (%2): run this as the server's user or "
                                      "root, or point --data-dir at the server's data directory")
                           .arg(tokenFile.fileName(), tokenFile.errorString())};
        return false;
    }
    m_token = tokenFile.read(256).trimmed();
    if (m_socket) {
        // Maybe inside its own disconnected signal (an answer to failAll asks again).
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QLocalSocket(this);
    m_socket->connectToServer(QDir(m_dataDir).filePath(QStringLiteral("admin.sock")));
    if (!m_socket->waitForConnected(5000)) {
        *error = network(QStringLiteral("no server answers on %1 (%2): is tidingsd running on "
                                        "this data directory?")
                             .arg(m_socket->serverName(), m_socket->errorString()));
        m_socket->deleteLater();
        m_socket = nullptr;
        return false;
    }
    connect(m_socket, &QLocalSocket::readyRead, this, &AdminClient::onReadable);
    connect(m_socket, &QLocalSocket::disconnected, this,
            [this] { failAll(network(QStringLiteral("the server closed the admin connection"))); });
    return true;
}

void AdminClient::call(const QString &command, const QJsonObject &args, Answer done) {
    Error error;
    if (!ensureConnected(&error))
        return done(error);
    const qint64 id = m_nextId++;
    m_waiting.emplace(id, std::move(done));
    // A server that keeps the connection but never answers must not leave the caller waiting
    // (the tray polls only once the previous status came back).
    QTimer::singleShot(kAnswerTimeoutMs, this, [this, id] {
        const auto it = m_waiting.find(id);
        if (it == m_waiting.end())
            return;
        Answer late = std::move(it->second);
        m_waiting.erase(it);
        late(Error{ErrorCode::Timeout, QStringLiteral("the server did not answer in time")});
    });
    const QJsonObject request{{"token", QString::fromLatin1(m_token)},
                              {"id", double(id)},
                              {"command", command},
                              {"args", args}};
    m_socket->write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
}

void AdminClient::onReadable() {
    while (m_socket && m_socket->canReadLine()) {
        const QByteArray line = m_socket->readLine(kMaxAnswerBytes);
        const QJsonObject answer = QJsonDocument::fromJson(line).object();
        const auto it = m_waiting.find(qint64(answer.value("id").toDouble()));
        if (it == m_waiting.end()) {
            // An error the server sends before closing (no id): everyone waiting gets it.
            const QJsonObject e = answer.value("error").toObject();
            failAll(Error{codeFromName(e.value("code").toString()), e.value("detail").toString()});
            return;
        }
        Answer done = std::move(it->second);
        m_waiting.erase(it);
        if (answer.value("ok").toBool()) {
            done(answer.value("result"));
        } else {
            const QJsonObject e = answer.value("error").toObject();
            done(Error{codeFromName(e.value("code").toString()), e.value("detail").toString()});
        }
    }
}

void AdminClient::failAll(const Error &error) {
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (auto &[id, done] : waiting)
        done(error);
}

Result<QJsonValue> AdminClient::callAndWait(const QString &command, const QJsonObject &args,
                                            int timeoutMs) {
    // Shared with the callback: an answer after the timeout finds it, not a dead stack frame.
    auto out = std::make_shared<std::optional<Result<QJsonValue>>>();
    QEventLoop loop;
    QPointer<QEventLoop> waiting(&loop);
    call(command, args, [out, waiting](Result<QJsonValue> r) {
        out->emplace(std::move(r));
        if (waiting)
            waiting->quit();
    });
    if (!*out) {
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!*out)
        return Error{ErrorCode::Timeout,
                     QStringLiteral("the server did not answer within %1 s").arg(timeoutMs / 1000)};
    return std::move(**out);
}

} // namespace tidings::admin
