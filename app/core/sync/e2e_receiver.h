#pragma once
// The receiving side of end-to-end encryption: before a batch is opened it fetches the signed
// device lists of senders not seen yet; it opens each message (text, hidden control message or
// undecryptable) with a commit that runs in the transaction storing it; and it runs the resend
// protocol: asks the sender again for a message this device could not decrypt, answers such
// requests for my own messages (re-queueing my sender key in groups), and fills a resent text in
// where the undecryptable one was. Group member removals mark the sender key for rotation.
#include "core/e2e/e2e_engine.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPair>
#include <QSet>

#include <deque>
#include <functional>

namespace tidings::client {

class Storage;
class SendTargets;
class PeerKeyFetcher;
class GroupStateVerifier;
class GroupStateSync;

class E2eReceiver {
public:
    //! Sends a control message (envelopes only, e.g. a resend request) through the sync engine.
    using ControlSender = std::function<void(const wire::SendRequest &)>;

    //! All must outlive this object.
    E2eReceiver(e2e::E2eEngine *engine, Storage *store, SendTargets &targets, PeerKeyFetcher &keys,
                GroupStateVerifier &verifier, GroupStateSync &groupSync, const AccountSettings &me);

    void setControlSender(ControlSender sender) { m_sendControl = std::move(sender); }
    //! Resend requests answered per requesting device in a sliding minute (default 60): a
    //! recipient may ask for what it could not read, but not make this device re-send its
    //! history as fast as it can ask. Kept across reconnects.
    void setResendsPerMinute(int perMinute) { m_resendsPerMinute = perMinute; }
    //! A new socket: messages may be asked for again (and answered again).
    void reset() {
        m_resendAsked.clear();
        m_resendAnswered.clear();
    }

    //! See MessageCrypto::prepareOpen(), open() and afterStored().
    void prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                     std::function<void(bool proceed)> done);
    std::function<Status()> open(const wire::Message &message, IncomingMessage &in);
    //! See MessageCrypto::openEvent().
    std::function<Status()> openEvent(const wire::Message &message, IncomingMessage &in);
    void afterStored(const wire::Message &message, const IncomingMessage &in);

private:
    void requestResend(const wire::Message &message);
    void answerResend(const wire::Message &message, const wire::E2eBody &request);
    //! Compares a group message's head of the signed state with mine (`head`, verified, not 0;
    //! §4.4): another hash at a version both know is a fork (a notice and the group marked); a
    //! newer one is fetched.
    void compareHeads(quint64 conversationId, quint64 head, quint64 senderUserId,
                      const wire::BodyContext &c);
    //! One more resend for `requester` in the current minute, if its budget allows.
    bool takeResendBudget(e2e::DeviceAddress requester);
    //! Encrypts `body` for one device of the conversation and hands it to the control sender.
    void sendControlTo(quint64 conversationId, e2e::DeviceAddress device, wire::E2eBody body,
                       bool infoFetched = false);

    e2e::E2eEngine *m_engine;
    Storage *m_store;
    SendTargets &m_targets;
    PeerKeyFetcher &m_keys;
    GroupStateVerifier &m_verifier;
    GroupStateSync &m_groupSync;
    const AccountSettings &m_me;
    ControlSender m_sendControl;
    //! (conversation, seq) already asked for again in this session.
    QSet<QPair<quint64, quint64>> m_resendAsked;
    //! (requester user, requester device, my client message id) answered in this session: a
    //! device that repeats a request does not make this one encrypt the text again and again.
    QSet<QString> m_resendAnswered;
    int m_resendsPerMinute = 60;
    QHash<QPair<quint64, quint64>, std::deque<qint64>> m_resendTimes; //!< by requester, ms
    QElapsedTimer m_resendClock;
    //! Resend requests opened but not yet answered (answered once their seq is committed).
    QHash<QPair<quint64, quint64>, wire::E2eBody> m_resendRequests;
};

} // namespace tidings::client
