#include "services/common/membership.h"

namespace tidings::server {

Membership::Membership(Loader loader, std::size_t capacity)
    : m_loader(std::move(loader))
    , m_cache(capacity) {}

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

void Membership::invalidate(quint64 conv) {
    m_cache.remove(conv);
}

} // namespace tidings::server
