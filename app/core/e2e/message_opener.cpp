#include "core/e2e/message_opener.h"
#include "core/e2e/e2e_support.h"

#include "core/e2e/device_directory.h"
#include "core/e2e/envelope.h"
#include "core/e2e/group_sender_keys.h"
#include "core/e2e/own_keys.h"
#include "core/e2e/pairwise_sessions.h"
#include "core/store/key_store.h"

#include <memory>

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {

//! What decrypt() will write when the caller commits.
struct PendingWrites {
    std::optional<PairwiseSessions::Write> session;
    std::vector<GroupSenderKeys::ReceiverWrite> receivers;
};
//! What a user reads, or what makes this device send a message again: bound to its message.
//! (Sender-key distributions name their group inside the key, and are checked there.)
bool needsContext(const wire::E2eBody &body) {
    return body.has_content() || body.resend_request_seq() != 0 ||
           !body.resend_request_client_id().empty();
}
} // namespace

Status MessageOpener::checkContext(const wire::E2eBody &body, const wire::Message &message,
                                   const DeviceAddress &from, bool &bound) const {
    if (!needsContext(body))
        return {};
    if (!body.has_context()) {
        // Only older clients send unbound bodies: the store is read on that path alone.
        const Result<bool> pinned = m_pinned.contains(from)
                                        ? Result<bool>(true)
                                        : m_store.bindsContext(from.userId, from.deviceId);
        if (!pinned)
            return pinned.error();
        if (*pinned)
            return makeError(CryptoError::ContextMismatch,
                             QStringLiteral("an unbound body from a device that binds its bodies"));
        return {};
    }
    const wire::BodyContext &c = body.context();
    if (c.conversation_id() != message.conversation_id() || c.sender_user_id() != from.userId ||
        c.sender_device_id() != from.deviceId ||
        c.client_message_id() != message.client_message_id())
        return makeError(
            CryptoError::ContextMismatch,
            QStringLiteral("the body was written for another conversation or message"));
    bound = true;
    return {};
}

MessageOpener::MessageOpener(KeyStore &store, const Clock &clock, const OwnKeys &own,
                             const DeviceDirectory &devices, const PairwiseSessions &pairwise,
                             const GroupSenderKeys &groups)
    : m_store(store)
    , m_clock(clock)
    , m_own(own)
    , m_devices(devices)
    , m_pairwise(pairwise)
    , m_groups(groups) {}

Result<Decrypted> MessageOpener::decrypt(const wire::Message &message, quint64 myUserId,
                                         quint64 myDeviceId) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (myUserId != m_own.userId() || myDeviceId != m_own.deviceId())
        return usageError(QStringLiteral("message for another device"));
    const DeviceAddress from{message.sender_user_id(), message.sender_device_id()};
    const auto sender = m_devices.identity(from, true);
    if (!sender)
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("sender %1:%2 is not in the sender's verified device list")
                             .arg(from.userId)
                             .arg(from.deviceId));
    const qint64 nowSecs = m_clock.nowMs() / 1000;
    const quint64 groupId = message.conversation_id();
    auto writes = std::make_shared<PendingWrites>();
    Decrypted out;
    bool bound = false; //!< a body carried its (matching) context: pin the device

    const QByteArray envelope = qba(message.envelope());
    if (!envelope.isEmpty()) {
        auto opened = m_pairwise.open(from, *sender, envelope, nowSecs);
        if (!opened)
            return opened.error();
        writes->session = std::move(opened->write);
        auto body = parseBody(opened->plaintext);
        if (!body)
            return body.error();
        if (auto s = checkContext(*body, message, from, bound); !s)
            return s.error();
        if (auto s = m_groups.takeDistribution(from, groupId, *body, writes->receivers); !s)
            return s.error();
        out.pairwise = std::move(*body);
    }

    const QByteArray payload = qba(message.payload());
    if (message.encrypted() && !payload.isEmpty()) {
        auto plaintext = m_groups.open(from, groupId, payload, nowSecs, writes->receivers);
        if (!plaintext)
            return plaintext.error();
        auto body = parseBody(*plaintext);
        if (!body)
            return body.error();
        if (auto s = checkContext(*body, message, from, bound); !s)
            return s.error();
        body->clear_sender_key_distribution(); // only accepted pairwise
        out.group = std::move(*body);
    }

    const bool pin = bound && !m_pinned.contains(from);
    auto apply = [this, writes, from, groupId, pin]() -> Status {
        // Compare-and-swap: if another decrypt of this state was committed in between, writing
        // this snapshot would roll the state back (re-opening used keys). Refuse instead; the
        // caller decrypts the message again.
        if (writes->session)
            if (auto s = m_pairwise.checkUnchanged(from, *writes->session); !s)
                return s;
        for (const auto &r : writes->receivers)
            if (auto s = m_groups.checkUnchanged(from, r); !s)
                return s;
        if (writes->session)
            if (auto s = m_pairwise.commit(from, *writes->session); !s)
                return s;
        for (const auto &r : writes->receivers)
            if (auto s = m_groups.commit(from, groupId, r); !s)
                return s;
        if (pin) {
            if (auto s = m_store.setBindsContext(from.userId, from.deviceId); !s)
                return s;
            // Kept even if the caller's transaction rolls back: this device did bind a body.
            m_pinned.insert(from);
        }
        return {};
    };
    // Atomic even when the caller has no transaction open (a savepoint nests inside one).
    KeyStore *store = &m_store;
    out.commit = [store, apply]() -> Status { return store->transaction(apply); };
    return out;
}

} // namespace tidings::client::e2e
