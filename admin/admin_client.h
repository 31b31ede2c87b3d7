#pragma once
// The admin API's client side (server/admin/admin_socket.h has the protocol): tidings-admin's
// command line and its tray app talk to a server through this. It finds the server by its data
// directory: DATA/admin.sock to connect to, DATA/admin.token to prove it may.
#include "protocol/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>

#include <functional>
#include <map>

class QLocalSocket;

namespace tidings::admin {

class AdminClient : public QObject {
    Q_OBJECT
public:
    using Answer = std::function<void(Result<QJsonValue>)>;

    explicit AdminClient(QString dataDir, QObject *parent = nullptr);
    ~AdminClient() override;

    QString dataDir() const { return m_dataDir; }
    //! Sends `command`; `done` runs once with the result or an error (NETWORK when the server
    //! cannot be reached, FORBIDDEN without the right token, the server's own codes otherwise).
    void call(const QString &command, const QJsonObject &args, Answer done);
    //! The same, waiting for the answer (command-line use): at most `timeoutMs`.
    Result<QJsonValue> callAndWait(const QString &command, const QJsonObject &args = {},
                                   int timeoutMs = 30000);
    //! Whether a server answers on the data directory's socket right now (not checked: token).
    bool serverListening() const;

private:
    bool ensureConnected(Error *error);
    void onReadable();
    void failAll(const Error &error);

    QString m_dataDir;
    QLocalSocket *m_socket = nullptr;
    QByteArray m_token;
    qint64 m_nextId = 1;
    std::map<qint64, Answer> m_waiting;
};

//! The server's data directory: --data-dir, else the [server] data-dir of --config FILE, else
//! $TIDINGS_DATA_DIR, else /var/lib/tidings (where the package's service keeps it).
QString findDataDir(const QString &dataDirOption, const QString &configOption, QString *error);

//! tidingsd: `preferred` if set, else next to this program, else on PATH, else "tidingsd".
QString findTidingsd(const QString &preferred = {});

} // namespace tidings::admin
