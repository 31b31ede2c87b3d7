#pragma once
// Who is connected where. Local to this node today; with several nodes a device → node registry
// in the database and a pub/sub engine take its place behind the same interface.
#include <QHash>
#include <QList>
#include <QPointer>

namespace tidings::server {

class Session;

class Router {
public:
    void add(Session *session, quint64 userId, quint64 deviceId);
    void remove(Session *session, quint64 userId, quint64 deviceId);

    //! Every connected session of a user.
    QList<Session *> sessionsOfUser(quint64 userId) const;
    Session *sessionOfDevice(quint64 deviceId) const;
    int connectedDevices() const { return int(m_byDevice.size()); }

private:
    QHash<quint64, Session *> m_byDevice;
    QMultiHash<quint64, Session *> m_byUser;
};

} // namespace tidings::server
