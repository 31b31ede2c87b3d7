#include "admin/admin_socket.h"

#include "admin/admin_service.h"
#include "core/logging.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

#include <cerrno>
#include <cstring>

#include <grp.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tidings::server {

namespace {

constexpr int kTokenBytes = 32;
const char *const kBusy = "tidings_admin_busy";

QByteArray errorLine(const QJsonValue &id, ErrorCode code, const QString &detail) {
    return QJsonDocument(QJsonObject{{"id", id},
                                     {"ok", false},
                                     {"error", QJsonObject{{"code", errorCodeName(code)},
                                                           {"detail", detail}}}})
               .toJson(QJsonDocument::Compact) +
           '\n';
}

//! The token in `path`, made (random, mode 0600) when there is none yet. Empty with `error`.
QByteArray loadOrMakeToken(const QString &path, QString *error) {
    QFile f(path);
    if (f.exists()) {
        if (!f.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
            return {};
        }
        const QByteArray token = f.read(256).trimmed();
        if (token.size() != kTokenBytes * 2 || QByteArray::fromHex(token).size() != kTokenBytes) {
            *error = QStringLiteral("%1 is not an admin token (64 hex digits); delete it and "
                                    "start again to make a new one")
                         .arg(path);
            return {};
        }
        return token;
    }
    QByteArray raw(kTokenBytes, Qt::Uninitialized);
    randombytes_buf(raw.data(), std::size_t(raw.size()));
    const QByteArray token = raw.toHex();
    // Made unreadable to others before anything is written into it.
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly) ||
        !f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        f.write(token + '\n') != token.size() + 1 || !f.flush()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        f.remove();
        return {};
    }
    return token;
}

} // namespace

AdminSocket::AdminSocket(AdminService &service, QObject *parent, int idleMs)
    : QObject(parent)
    , m_service(service)
    , m_server(new QLocalServer(this))
    , m_idleMs(idleMs) {
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &AdminSocket::onConnection);
}

AdminSocket::~AdminSocket() = default;

QString AdminSocket::socketPathIn(const QString &dataDir) {
    return QDir(dataDir).filePath(QStringLiteral("admin.sock"));
}

QString AdminSocket::tokenPathIn(const QString &dataDir) {
    return QDir(dataDir).filePath(QStringLiteral("admin.token"));
}

QString AdminSocket::socketPath() const {
    return socketPathIn(m_dataDir);
}

QString AdminSocket::tokenPath() const {
    return tokenPathIn(m_dataDir);
}

bool AdminSocket::listen(const QString &dataDir, QString *error, const QString &group) {
    m_dataDir = dataDir;
    m_token = loadOrMakeToken(tokenPath(), error);
    if (m_token.isEmpty())
        return false;
    gid_t gid = 0;
    if (!group.isEmpty()) {
        const struct group *g = ::getgrnam(group.toLocal8Bit().constData());
        if (!g) {
            *error = QStringLiteral("admin-group: there is no group %1").arg(group);
            return false;
        }
        gid = g->gr_gid;
        m_server->setSocketOptions(QLocalServer::UserAccessOption |
                                   QLocalServer::GroupAccessOption);
    } else {
        m_server->setSocketOptions(QLocalServer::UserAccessOption);
    }
    // The token: the server's account only, or also the admin group's members (read).
    const QByteArray tokenFile = QFile::encodeName(tokenPath());
    if (!group.isEmpty() ? ::chown(tokenFile.constData(), uid_t(-1), gid) != 0 ||
                               ::chmod(tokenFile.constData(), 0640) != 0
                         : ::chmod(tokenFile.constData(), 0600) != 0) {
        *error = QStringLiteral("cannot hand %1 to the group %2: %3")
                     .arg(tokenPath(), group, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    // A socket file left by a server that did not stop cleanly (only one server runs on a data
    // directory: its database is locked to it).
    QLocalServer::removeServer(socketPath());
    if (!m_server->listen(socketPath())) {
        *error =
            QStringLiteral("cannot listen on %1: %2").arg(socketPath(), m_server->errorString());
        return false;
    }
    if (!group.isEmpty() &&
        ::chown(QFile::encodeName(socketPath()).constData(), uid_t(-1), gid) != 0) {
        *error = QStringLiteral("cannot hand %1 to the group %2: %3")
                     .arg(socketPath(), group, QString::fromLocal8Bit(std::strerror(errno)));
        m_server->close();
        return false;
    }
    return true;
}

void AdminSocket::onConnection() {
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        if (m_connections >= kMaxConnections) {
            socket->write(errorLine(QJsonValue(), ErrorCode::RateLimited,
                                    QStringLiteral("too many admin connections")));
            socket->disconnectFromServer();
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            continue;
        }
        ++m_connections;
        // Bounded while a request runs too: past a line's worth, the client waits.
        socket->setReadBufferSize(kMaxLineBytes + 1);
        auto *idle = new QTimer(socket);
        idle->setSingleShot(true);
        idle->setInterval(m_idleMs);
        connect(idle, &QTimer::timeout, socket, [socket, idle] {
            if (socket->property(kBusy).toBool())
                idle->start(); // a request runs: its answer comes first
            else
                socket->disconnectFromServer();
        });
        idle->start();
        connect(socket, &QLocalSocket::readyRead, this, [this, socket, idle] {
            idle->start();
            onReadable(socket);
        });
        connect(socket, &QLocalSocket::disconnected, this, [this, socket] {
            --m_connections;
            socket->deleteLater();
        });
    }
}

void AdminSocket::onReadable(QLocalSocket *socket) {
    // One request at a time per connection: answers come in the order of the requests.
    while (!socket->property(kBusy).toBool() && socket->state() == QLocalSocket::ConnectedState) {
        if (!socket->canReadLine()) {
            if (socket->bytesAvailable() > kMaxLineBytes) {
                socket->write(errorLine(QJsonValue(), ErrorCode::TooLarge,
                                        QStringLiteral("a request is one line of at most 64 KiB")));
                socket->disconnectFromServer();
            }
            return;
        }
        const QByteArray line = socket->readLine(kMaxLineBytes + 1);
        if (!line.endsWith('\n')) {
            socket->write(errorLine(QJsonValue(), ErrorCode::TooLarge,
                                    QStringLiteral("a request is one line of at most 64 KiB")));
            socket->disconnectFromServer();
            return;
        }
        handle(socket, line);
    }
}

void AdminSocket::handle(QLocalSocket *socket, const QByteArray &line) {
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (!doc.isObject()) {
        socket->write(errorLine(QJsonValue(), ErrorCode::BadFrame,
                                QStringLiteral("a request is one JSON object per line")));
        socket->disconnectFromServer();
        return;
    }
    const QJsonObject request = doc.object();
    const QJsonValue id = request.value("id");
    const QByteArray token = request.value("token").toString().toLatin1();
    if (token.size() != m_token.size() ||
        sodium_memcmp(token.constData(), m_token.constData(), std::size_t(token.size())) != 0) {
        qCWarning(lcAccounts) << "admin API: a request without the right token was refused";
        socket->write(errorLine(id, ErrorCode::Forbidden,
                                QStringLiteral("the admin token is missing or wrong (it is in "
                                               "admin.token in the server's data directory)")));
        socket->disconnectFromServer();
        return;
    }
    socket->setProperty(kBusy, true);
    QPointer<QLocalSocket> guard(socket);
    m_service.call(request.value("command").toString(), request.value("args").toObject(),
                   [this, guard, id](Result<QJsonValue> r) {
                       if (!guard)
                           return;
                       if (r) {
                           guard->write(
                               QJsonDocument(QJsonObject{{"id", id}, {"ok", true}, {"result", *r}})
                                   .toJson(QJsonDocument::Compact) +
                               '\n');
                       } else {
                           guard->write(errorLine(id, r.error().code, r.error().detail));
                       }
                       guard->setProperty(kBusy, false);
                       // Requests that arrived meanwhile.
                       QMetaObject::invokeMethod(
                           this,
                           [this, guard] {
                               if (guard)
                                   onReadable(guard);
                           },
                           Qt::QueuedConnection);
                   });
}

} // namespace tidings::server
