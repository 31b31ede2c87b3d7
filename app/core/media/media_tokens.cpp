#include "core/media/media_tokens.h"

#include "core/logging.h"
#include "protocol/limits.h"

#include <QDateTime>

namespace tidings::client {

namespace {
//! The server says when a token expires on its own clock; this device's clock may differ, so the
//! lifetime is taken relative to the server's answer when the two disagree wildly.
constexpr qint64 kAssumedLifetimeMs = 5 * 60 * 1000;
constexpr qint64 kMaxLifetimeMs = 24 * 3600 * 1000;
} // namespace

MediaTokens::MediaTokens(Requester *requests, qint64 renewMarginMs)
    : m_requests(requests)
    , m_renewMarginMs(renewMarginMs) {}

void MediaTokens::get(Done done) {
    if (m_refusal) {
        done(*m_refusal);
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_valid && m_token && m_token->expiresAtMs - now > m_renewMarginMs) {
        done(*m_token);
        return;
    }
    m_waiting.append(std::move(done));
    if (m_waiting.size() == 1)
        fetch();
}

void MediaTokens::invalidate() {
    m_valid = false;
    ++m_generation;
}

void MediaTokens::fail(const Error &error, bool lasting) {
    invalidate();
    if (lasting)
        m_refusal = error;
    const QList<Done> waiting = std::exchange(m_waiting, {});
    for (const Done &d : waiting)
        d(error);
}

void MediaTokens::fetch() {
    ++m_fetches;
    const quint64 generation = m_generation;
    const std::weak_ptr<int> alive = m_alive;
    Frame f;
    f.mutable_media_token_request();
    m_requests->call<wire::MediaTokenResponse>(
        std::move(f), Retry::AfterReconnect,
        [this, generation, alive](Result<wire::MediaTokenResponse> r) {
            if (alive.expired())
                return;
            const QList<Done> waiting = std::exchange(m_waiting, {});
            if (!r) {
                qCInfo(lcMedia) << "no media token:" << r.error().toString();
                for (const Done &d : waiting)
                    d(r.error());
                return;
            }
            if (r->token().empty() || r->token().size() > limits::kMaxMediaTokenBytes) {
                const Error e{ErrorCode::BadFrame, QStringLiteral("unusable media token")};
                for (const Done &d : waiting)
                    d(e);
                return;
            }
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            qint64 lifetime = r->expires_at_ms() - now;
            if (lifetime <= m_renewMarginMs || lifetime > kMaxLifetimeMs)
                lifetime = kAssumedLifetimeMs; // clocks apart: trust the usual lifetime
            MediaToken t;
            t.token = QByteArray::fromStdString(r->token());
            t.expiresAtMs = now + lifetime;
            t.maxFileBytes = r->max_file_bytes();
            t.chunkBytes = r->chunk_bytes();
            t.quotaBytes = r->quota_bytes();
            t.usedBytes = r->used_bytes();
            m_token = t;
            m_valid = generation == m_generation;
            for (const Done &d : waiting)
                d(t);
        });
}

} // namespace tidings::client
