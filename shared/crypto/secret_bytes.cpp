#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace tidings::crypto {

namespace {

// Secrets of up to 16 KiB (keys, chain keys, signing keys, message plaintexts) come from slabs
// that are themselves sodium_malloc'd (mlock'd, excluded from core dumps, guard pages around each
// slab), in power-of-two size classes, and are wiped slot by slot on release. One sodium_malloc
// per secret costs several syscalls (mmap, mprotect, mlock, and the reverse on free) and made a
// ratchet message several times slower than its cryptography; the pool keeps every property but
// the per-secret guard pages and canary. Larger buffers, and anything made read-only, get their
// own sodium_malloc allocation. Freed slots are kept for reuse (bounded by peak use).
class SlotPool {
public:
    static constexpr std::size_t kMinSlot = 64;
    static constexpr std::size_t kMaxSlot = 16 * 1024;
    static constexpr int kClasses = 9; // 64 .. 16384

    static SlotPool &instance() {
        static SlotPool *pool = new SlotPool; // never destroyed: secrets may outlive statics
        return *pool;
    }
    static int classOf(std::size_t size) {
        int c = 0;
        for (std::size_t s = kMinSlot; s < size; s <<= 1)
            ++c;
        return c;
    }
    static std::size_t slotSize(int cls) { return kMinSlot << cls; }

    std::uint8_t *take(int cls) {
        std::lock_guard lock(m_mutex);
        std::vector<std::uint8_t *> &free = m_free[cls];
        if (free.empty()) {
            const std::size_t slot = slotSize(cls);
            const std::size_t slab = std::max<std::size_t>(16 * 1024, 8 * slot);
            auto *mem = static_cast<std::uint8_t *>(sodium_malloc(slab));
            if (!mem)
                return nullptr;
            sodium_memzero(mem, slab);
            m_slabs.push_back({mem, slab});
            for (std::size_t off = slab; off >= slot; off -= slot)
                free.push_back(mem + off - slot);
        }
        std::uint8_t *p = free.back();
        free.pop_back();
        return p;
    }
    void give(std::uint8_t *p, int cls) {
        sodium_memzero(p, slotSize(cls));
        std::lock_guard lock(m_mutex);
        m_free[cls].push_back(p);
    }
    bool owns(const std::uint8_t *p) const {
        std::lock_guard lock(m_mutex);
        for (const auto &[mem, size] : m_slabs)
            if (p >= mem && p < mem + size)
                return true;
        return false;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::pair<std::uint8_t *, std::size_t>> m_slabs;
    std::vector<std::uint8_t *> m_free[kClasses];
};

} // namespace

bool ensureSodium() {
    // sodium_init() is thread-safe and returns 1 when already initialised.
    static const bool ok = sodium_init() >= 0;
    return ok;
}

SecretBytes::SecretBytes(std::size_t size) {
    if (size == 0 || !ensureSodium())
        return;
    if (size <= SlotPool::kMaxSlot) {
        m_data = SlotPool::instance().take(SlotPool::classOf(size));
        m_pooled = m_data != nullptr;
    } else {
        m_data = static_cast<std::uint8_t *>(sodium_malloc(size));
    }
    if (m_data) {
        m_size = size;
        sodium_memzero(m_data, size);
    }
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
    , m_pooled(std::exchange(other.m_pooled, false)) {}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept {
    if (this != &other) {
        clear();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_pooled = std::exchange(other.m_pooled, false);
    }
    return *this;
}

SecretBytes::~SecretBytes() {
    clear();
}

SecretBytes SecretBytes::random(std::size_t size) {
    SecretBytes s(size);
    if (s.m_data)
        randombytes_buf(s.m_data, size);
    return s;
}

SecretBytes SecretBytes::fromRaw(const void *data, std::size_t size) {
    SecretBytes s(size);
    if (s.m_data)
        std::memcpy(s.m_data, data, size);
    return s;
}

SecretBytes SecretBytes::clone() const {
    return fromRaw(m_data, m_size);
}

void SecretBytes::clear() {
    if (m_data && m_pooled) {
        SlotPool::instance().give(m_data, SlotPool::classOf(m_size)); // wipes the slot
    } else if (m_data) {
        // A read-only page would fault on the wipe: make it writable first.
        sodium_mprotect_readwrite(m_data);
        sodium_memzero(m_data, m_size);
        sodium_free(m_data);
    }
    m_data = nullptr;
    m_size = 0;
    m_pooled = false;
}

bool SecretBytes::makeReadOnly() {
    if (!m_data)
        return false;
    if (m_pooled) {
        // Page protection needs an allocation of its own.
        auto *own = static_cast<std::uint8_t *>(sodium_malloc(m_size));
        if (!own)
            return false;
        std::memcpy(own, m_data, m_size);
        SlotPool::instance().give(m_data, SlotPool::classOf(m_size));
        m_data = own;
        m_pooled = false;
    }
    return sodium_mprotect_readonly(m_data) == 0;
}

bool SecretBytes::makeReadWrite() {
    return m_data && (m_pooled || sodium_mprotect_readwrite(m_data) == 0);
}

bool SecretBytes::isPooledForTest() const {
    return m_pooled && SlotPool::instance().owns(m_data);
}

bool SecretBytes::equals(const SecretBytes &other) const {
    return equals(other.m_data, other.m_size);
}

bool SecretBytes::equals(const void *data, std::size_t size) const {
    if (size != m_size)
        return false;
    return size == 0 || sodium_memcmp(m_data, data, size) == 0;
}

bool SecretBytes::resize(std::size_t newSize) {
    SecretBytes grown(newSize);
    if (newSize && !grown.m_data)
        return false;
    if (m_data)
        std::memcpy(grown.m_data, m_data, std::min(m_size, newSize));
    *this = std::move(grown);
    return true;
}

// --- SecretWriter --------------------------------------------------------------------------

bool SecretWriter::reserve(std::size_t extra) {
    if (m_failed)
        return false;
    if (m_len + extra <= m_buf.size())
        return true;
    std::size_t cap = std::max<std::size_t>(256, m_buf.size() * 2);
    while (cap < m_len + extra)
        cap *= 2;
    if (!m_buf.resize(cap))
        m_failed = true;
    return !m_failed;
}

void SecretWriter::putRaw(const void *data, std::size_t size) {
    if (size == 0 || !reserve(size))
        return;
    std::memcpy(m_buf.data() + m_len, data, size);
    m_len += size;
}

void SecretWriter::putU8(std::uint8_t v) {
    putRaw(&v, 1);
}

void SecretWriter::putU32(std::uint32_t v) {
    const std::uint8_t b[4] = {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8),
                               std::uint8_t(v)};
    putRaw(b, 4);
}

void SecretWriter::putU64(std::uint64_t v) {
    putU32(std::uint32_t(v >> 32));
    putU32(std::uint32_t(v));
}

void SecretWriter::putBlob(const QByteArray &b) {
    putU32(std::uint32_t(b.size()));
    putRaw(b);
}

void SecretWriter::putBlob(const SecretBytes &s) {
    putU32(std::uint32_t(s.size()));
    putRaw(s);
}

SecretBytes SecretWriter::take() {
    if (m_failed)
        return {};
    SecretBytes out = SecretBytes::fromRaw(m_buf.data(), m_len);
    m_buf.clear();
    m_len = 0;
    return out;
}

// --- ByteReader ----------------------------------------------------------------------------

const std::uint8_t *ByteReader::take(std::size_t n) {
    if (!m_ok || n > m_left) {
        m_ok = false;
        return nullptr;
    }
    const std::uint8_t *p = m_p;
    m_p += n;
    m_left -= n;
    return p;
}

std::uint8_t ByteReader::getU8() {
    const std::uint8_t *p = take(1);
    return p ? p[0] : 0;
}

std::uint32_t ByteReader::getU32() {
    const std::uint8_t *p = take(4);
    if (!p)
        return 0;
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

std::uint64_t ByteReader::getU64() {
    const std::uint64_t hi = getU32();
    return (hi << 32) | getU32();
}

QByteArray ByteReader::getRaw(std::size_t n) {
    const std::uint8_t *p = take(n);
    return p ? QByteArray(reinterpret_cast<const char *>(p), qsizetype(n)) : QByteArray();
}

SecretBytes ByteReader::getSecret(std::size_t n) {
    const std::uint8_t *p = take(n);
    return p ? SecretBytes::fromRaw(p, n) : SecretBytes();
}

QByteArray ByteReader::getBlob(std::size_t maxLen) {
    const std::uint32_t n = getU32();
    if (n > maxLen)
        m_ok = false;
    return m_ok ? getRaw(n) : QByteArray();
}

SecretBytes ByteReader::getSecretBlob(std::size_t maxLen) {
    const std::uint32_t n = getU32();
    if (n > maxLen)
        m_ok = false;
    return m_ok ? getSecret(n) : SecretBytes();
}

void appendU32(QByteArray &out, std::uint32_t v) {
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

void appendU64(QByteArray &out, std::uint64_t v) {
    appendU32(out, std::uint32_t(v >> 32));
    appendU32(out, std::uint32_t(v));
}

void appendBlob(QByteArray &out, const QByteArray &b) {
    appendU32(out, std::uint32_t(b.size()));
    out.append(b);
}

} // namespace tidings::crypto
