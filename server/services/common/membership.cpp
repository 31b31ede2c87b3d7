#include "services/common/membership.h"

#include "core/logging.h"

#include <QObject>
#include <QTimer>

namespace tidings::server {

namespace {
constexpr int kRetries = 7; // 0.25 + 0.5 + ... + 16 s
} // namespace

Membership::Membership(Loader loader, std::size_t capacity)
    : m_loader(std::move(loader))
    , m_cache(capacity)
    , m_timers(std::make_unique<QObject>()) {}

Membership::~Membership() = default;

void Membership::withMembersEventually(quint64 conv, std::function<void(const Members &)> cb) {
    retry(conv, std::move(cb), 0);
}

void Membership::retry(quint64 conv, std::function<void(const Members &)> cb, int attempt) {
    withMembers(conv, [this, conv, cb, attempt](Result<Members> r) {
        if (r)
            return cb(*r);
        if (attempt >= kRetries) {
            qCWarning(lcMessaging) << "giving up a live push to conversation" << conv;
            return;
        }
        QTimer::singleShot(250 << attempt, m_timers.get(),
                           [this, conv, cb, attempt] { retry(conv, cb, attempt + 1); });
    });
}

void Membership::withMembers(quint64 conv, Callback cb) {
    if (const Members *members = m_cache.find(conv)) {
        cb(*members);
        return;
    }
    auto loading = m_loading.find(conv);
    if (loading != m_loading.end()) {
        loading->push_back(std::move(cb));
        return;
    }
    m_loading.insert(conv, {std::move(cb)});
    m_loader(conv, [this, conv](Result<Members> r) {
        if (r && !r->isEmpty())
            m_cache.insert(conv, *r);
        const auto waiting = m_loading.take(conv);
        for (const auto &w : waiting)
            w(r);
    });
}

void Membership::invalidate(quint64 conv, bool announce) {
    m_cache.remove(conv);
    if (announce && m_announce)
        m_announce(conv);
}

std::optional<qsizetype> Membership::cachedSize(quint64 conversationId) {
    if (const Members *m = m_cache.find(conversationId))
        return m->size();
    return std::nullopt;
}

} // namespace tidings::server
