#include "core/sync/group_state_sync.h"

#include "core/logging.h"
#include "core/store/group_state_store.h"
#include "core/sync/peer_key_fetcher.h"
#include "core/sync/request_join.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <memory>

namespace tidings::client {

namespace {
bool isTransport(const Status &s) {
    return !s && (s.error().code == ErrorCode::Network || s.error().code == ErrorCode::Timeout);
}
} // namespace

GroupStateSync::GroupStateSync(GroupStateVerifier &verifier, FrameSink *sink, PeerKeyFetcher &keys)
    : m_verifier(verifier)
    , m_sink(sink)
    , m_keys(keys) {}

void GroupStateSync::fetchKeys(const QSet<quint64> &users, std::function<void(Status)> done) {
    if (users.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(users.size());
    join->done = std::move(done);
    for (quint64 u : users) {
        m_keys.refreshDeviceList(u, [join](Status s) {
            // A user without a list cannot anchor a genesis: the verifier refuses it. Only a
            // lost connection is worth reporting.
            join->finish(isTransport(s) ? s : Status());
        });
    }
}

void GroupStateSync::fetchChains(const QHash<quint64, QByteArray> &from,
                                 std::function<void(Status)> done) {
    if (from.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(from.size());
    join->done = std::move(done);
    for (auto it = from.cbegin(); it != from.cend(); ++it)
        m_keys.fetchChain(it.key(), it.value(), [join](Status s) { join->finish(s); });
}

void GroupStateSync::fetchKeysFor(const QList<QByteArray> &changes,
                                  std::function<void(Status)> done) {
    // The actors' current keys first, then the successions from the keys the groups record to
    // them (which need the current pins).
    fetchKeys(m_verifier.keysNeeded(changes), [this, changes, done](Status s) {
        if (!s) {
            done(s);
            return;
        }
        fetchChains(m_verifier.chainsNeeded(changes), done);
    });
}

void GroupStateSync::sync(quint64 conversationId, std::function<void(Status)> done) {
    auto &waiting = m_running[conversationId];
    waiting.append(std::move(done));
    if (waiting.size() == 1)
        fetchPage(conversationId);
}

void GroupStateSync::finish(quint64 conversationId, const Status &status) {
    m_checked.insert(conversationId);
    const auto waiting = m_running.take(conversationId);
    for (const auto &done : waiting)
        done(status);
}

void GroupStateSync::fetchPage(quint64 conversationId) {
    // The head is read again for every page: a change verified from a push meanwhile is not
    // asked for twice.
    quint64 head = 0;
    if (auto state = m_verifier.head(conversationId); state)
        head = *state;
    Frame f;
    auto *req = f.mutable_group_log_request();
    req->set_conversation_id(conversationId);
    req->set_after_version(head);
    req->set_limit(quint32(limits::kMaxGroupLogPage));
    m_sink->request(std::move(f), [this, conversationId, head](Result<Frame> r) {
        if (!r) {
            finish(conversationId, r.error());
            return;
        }
        if (r->body_case() != Frame::kGroupLogResponse) {
            finish(conversationId, Error{ErrorCode::BadFrame,
                                         QStringLiteral("unexpected answer to a log request")});
            return;
        }
        const auto &page = r->group_log_response();
        QList<QByteArray> changes;
        changes.reserve(page.changes_size());
        for (const auto &c : page.changes())
            changes.append(protocol::bytesFromStd(c));
        const bool more = page.has_more();
        fetchKeysFor(changes, [this, conversationId, changes, more, head](Status s) {
            if (!s) {
                finish(conversationId, s);
                return;
            }
            auto applied = m_verifier.applyLog(conversationId, changes);
            if (!applied) {
                qCWarning(lcSync) << "group" << conversationId
                                  << "log not applied:" << applied.error().toString();
                finish(conversationId, applied.error());
                return;
            }
            const auto now = m_verifier.head(conversationId);
            if (more && now && *now > head) {
                fetchPage(conversationId);
                return;
            }
            finish(conversationId, {});
        });
    });
}

bool GroupStateSync::needed(const google::protobuf::RepeatedPtrField<wire::Message> &messages) {
    for (const auto &m : messages) {
        if (m.has_system_event() && !m.system_event().signed_change().empty())
            return true;
    }
    return false;
}

void GroupStateSync::prepare(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                             std::function<void(Status)> done) {
    QHash<quint64, QList<quint64>> versions;
    QList<QByteArray> blobs;
    for (const auto &m : messages) {
        if (!m.has_system_event() || m.system_event().signed_change().empty())
            continue;
        const QByteArray blob = protocol::bytesFromStd(m.system_event().signed_change());
        // The signed version, not the server's label beside it.
        if (auto c = crypto::decodeGroupChange(blob))
            versions[m.conversation_id()].append(c->version);
        blobs.append(blob);
    }
    if (blobs.isEmpty()) {
        done({});
        return;
    }
    fetchKeysFor(blobs, [this, versions, done](Status s) {
        if (!s) {
            done(s);
            return;
        }
        QList<quint64> gaps;
        for (auto it = versions.cbegin(); it != versions.cend(); ++it) {
            if (m_verifier.hasGap(it.key(), it.value()))
                gaps.append(it.key());
        }
        if (gaps.isEmpty()) {
            done({});
            return;
        }
        auto join = std::make_shared<RequestJoin>();
        join->pending = int(gaps.size());
        join->done = done;
        for (quint64 conv : gaps) {
            sync(conv, [join, conv](Status synced) {
                if (!synced)
                    qCInfo(lcSync)
                        << "group" << conv << "log not synced:" << synced.error().toString();
                // Changes that still miss their predecessors wait (stored as pending).
                join->finish(isTransport(synced) ? synced : Status());
            });
        }
    });
}

} // namespace tidings::client
