#pragma once
// A map with a size bound that evicts the least recently used entry. Server caches are bounded:
// memory must not grow with the number of conversations or users ever seen.
#include <QHash>

#include <cstddef>
#include <list>
#include <utility>

namespace tidings::server {

template <typename Key, typename Value> class LruCache {
public:
    explicit LruCache(std::size_t capacity)
        : m_capacity(capacity ? capacity : 1) {}

    //! The cached value (now the most recently used), or nullptr. Valid until the next insert.
    const Value *find(const Key &key) {
        const auto it = m_index.constFind(key);
        if (it == m_index.cend())
            return nullptr;
        m_order.splice(m_order.begin(), m_order, *it);
        return &(*it)->second;
    }

    void insert(const Key &key, Value value) {
        if (const auto it = m_index.constFind(key); it != m_index.cend()) {
            (*it)->second = std::move(value);
            m_order.splice(m_order.begin(), m_order, *it);
            return;
        }
        m_order.emplace_front(key, std::move(value));
        m_index.insert(key, m_order.begin());
        if (m_order.size() > m_capacity) {
            m_index.remove(m_order.back().first);
            m_order.pop_back();
        }
    }

    void remove(const Key &key) {
        if (const auto it = m_index.constFind(key); it != m_index.cend()) {
            m_order.erase(*it);
            m_index.remove(key);
        }
    }

    bool contains(const Key &key) const { return m_index.contains(key); }
    std::size_t size() const { return m_order.size(); }
    std::size_t capacity() const { return m_capacity; }
    void clear() {
        m_order.clear();
        m_index.clear();
    }

private:
    using Order = std::list<std::pair<Key, Value>>;
    std::size_t m_capacity;
    Order m_order; //!< most recently used first
    QHash<Key, typename Order::iterator> m_index;
};

} // namespace tidings::server
