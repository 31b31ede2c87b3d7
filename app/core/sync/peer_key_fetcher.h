#pragma once
// Fetches what the E2E engine needs to know about other devices from the server: signed device
// lists (verified and accepted by the engine; a changed account key is announced, never silent)
// and prekey bundles for devices without a session. Remembers, per socket session, whose list it
// fetched and when, so a list is fetched once per session unless someone asks for a refresh.
#include "core/e2e/e2e_engine.h"
#include "core/net/frame_sink.h"
#include "core/store/records.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <functional>
#include <optional>

namespace tidings::client {

class PeerKeyFetcher : public QObject {
    Q_OBJECT
public:
    //! `me` (this device's account) must outlive this object.
    PeerKeyFetcher(e2e::E2eEngine *engine, FrameSink *sink, const AccountSettings &me,
                   QObject *parent = nullptr);

    //! A new socket: lists fetched in earlier sessions may be stale.
    void reset() { m_listFetched.clear(); }

    //! Fetches and verifies a user's signed device list (always asks the server).
    void refreshDeviceList(quint64 userId, std::function<void(Status)> done);
    //! Asks for the successions from `from` (an older key of the user, e.g. one a group
    //! recorded) and records them when they reach the pinned key (E2eEngine::learnChain).
    //! `done` fails only on a lost connection.
    void fetchChain(quint64 userId, const QByteArray &from, std::function<void(Status)> done);
    //! Lists and sessions for `users`: users not known yet in one request each (their list comes
    //! with their bundles), then what fetchMissingSessions() finds missing.
    void ensureSessions(const QList<quint64> &users, std::function<void(Status)> done);
    //! When `userId`'s list was fetched in this session (ms since epoch).
    std::optional<qint64> fetchedAt(quint64 userId) const;

signals:
    //! A peer's account key changed (never silent); the UI shows it in the chat.
    //! `change`: e2e::KeyChange (how the key changed).
    void identityChanged(quint64 userId, int change);

private:
    //! Bundles (X3DH) for every listed device of `users` but mine without a session.
    //! One DeviceListRequest naming `knownKey` (successions come from it), its answer checked.
    void askDeviceList(quint64 userId, const QByteArray &knownKey,
                       std::function<void(Result<wire::DeviceListResponse>)> answer);
    void fetchMissingSessions(const QList<quint64> &users, std::function<void(Status)> done);
    //! Bundles of `devices` of `userId`; none named: every current device, list included.
    void fetchBundles(quint64 userId, const QList<quint64> &devices,
                      std::function<void(Status)> done);

    e2e::E2eEngine *m_engine;
    FrameSink *m_sink;
    const AccountSettings &m_me;
    //! Users whose device list was fetched in this session, and when (ms since epoch).
    QHash<quint64, qint64> m_listFetched;
};

} // namespace tidings::client
