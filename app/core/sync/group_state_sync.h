#pragma once
// Brings a group's signed state up to the server's head (issue 12; docs/design/group-state.md
// §3.3, §4.3): pages through the group's log (GroupLogRequest), fetches the device list of a
// creator whose account key this device has not pinned yet, and hands every page to the
// GroupStateVerifier, which applies what verifies. Also runs before a received batch is opened,
// so a change that arrives after a gap (a new member's first event, a withheld or reordered
// change) finds the ones before it already verified.
#include "core/groups/group_state_verifier.h"
#include "core/net/frame_sink.h"

#include <QHash>
#include <QSet>

#include <functional>

namespace tidings::client {

class PeerKeyFetcher;

class GroupStateSync {
public:
    //! All must outlive this object.
    GroupStateSync(GroupStateVerifier &verifier, FrameSink *sink, PeerKeyFetcher &keys);

    //! Fetches and verifies the log after this device's head. `done` gets transport errors and
    //! the server's refusals (e.g. NOT_MEMBER); a change that does not verify just stops it.
    //! Calls for the same group while one runs share it.
    void sync(quint64 conversationId, std::function<void(Status)> done);

    //! Whether a batch carries signed group changes (prepare() has work).
    static bool needed(const google::protobuf::RepeatedPtrField<wire::Message> &messages);
    //! Before a batch is opened: the keys its genesis changes need, and the log of every group
    //! whose signed events do not follow on its head. `done` gets transport errors only.
    void prepare(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                 std::function<void(Status)> done);

    //! A new socket: nothing to forget (each sync starts from the stored head); pending syncs
    //! fail with the old socket's requests.
    void reset() { m_checked.clear(); }
    //! Whether this session asked the server for the group's log already.
    bool checked(quint64 conversationId) const { return m_checked.contains(conversationId); }

private:
    void fetchPage(quint64 conversationId);
    void finish(quint64 conversationId, const Status &status);
    void fetchKeys(const QSet<quint64> &users, std::function<void(Status)> done);
    //! Successions from the keys a group records to the actors' pinned keys (user → key).
    void fetchChains(const QHash<quint64, QByteArray> &from, std::function<void(Status)> done);
    //! What verifying `changes` needs: fetchKeys, then fetchChains.
    void fetchKeysFor(const QList<QByteArray> &changes, std::function<void(Status)> done);

    GroupStateVerifier &m_verifier;
    FrameSink *m_sink;
    PeerKeyFetcher &m_keys;
    QHash<quint64, QList<std::function<void(Status)>>> m_running;
    QSet<quint64> m_checked;
};

} // namespace tidings::client
