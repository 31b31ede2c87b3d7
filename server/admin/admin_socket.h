#pragma once
// The admin API's door (issue 13): a local socket in the data directory, never the public
// listener. On Linux and macOS a Unix socket (DATA/admin.sock, mode 0600 in a directory only the
// server's user may enter); on Windows a named pipe of the same name for the current user. Every
// request also carries the token in DATA/admin.token (32 random bytes, hex, mode 0600, written at
// the first start): whoever may read the data directory may administer the server, nobody else.
//
// The protocol is one JSON object per line each way:
//   → {"token": "...", "id": 1, "command": "users.list", "args": {"search": "an"}}
//   ← {"id": 1, "ok": true, "result": [...]}
//   ← {"id": 1, "ok": false, "error": {"code": "NO_SUCH_USER", "detail": "..."}}
// A line longer than kMaxLineBytes, one that is not a JSON object, or a wrong token is answered
// with an error and the connection is closed; requests of one connection are answered in order.
#include <QObject>
#include <QString>

class QLocalServer;
class QLocalSocket;

namespace tidings::server {

class AdminService;

class AdminSocket : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kMaxLineBytes = 64 * 1024;
    static constexpr int kMaxConnections = 16;

    static constexpr int kDefaultIdleMs = 5 * 60 * 1000;

    //! A connection that sends nothing for `idleMs` while no request of it runs is closed: the
    //! 16 connections are not held by clients that went quiet (the tray app reconnects).
    AdminSocket(AdminService &service, QObject *parent = nullptr, int idleMs = kDefaultIdleMs);
    ~AdminSocket() override;

    //! Creates (or reads) DATA/admin.token and listens on DATA/admin.sock. With `group`, both
    //! are handed to that group, readable (and the socket writable) by its members. False with
    //! `error`.
    bool listen(const QString &dataDir, QString *error, const QString &group = {});
    QString socketPath() const;
    QString tokenPath() const;

    static QString socketPathIn(const QString &dataDir);
    static QString tokenPathIn(const QString &dataDir);

private:
    void onConnection();
    void onReadable(QLocalSocket *socket);
    void handle(QLocalSocket *socket, const QByteArray &line);

    AdminService &m_service;
    QLocalServer *m_server;
    QString m_dataDir;
    QByteArray m_token;
    int m_connections = 0;
    int m_idleMs;
};

} // namespace tidings::server
