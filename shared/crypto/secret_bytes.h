#pragma once
// SecretBytes: the only container for secret key material in Tidings. Backed by sodium_malloc
// memory (mlock'd where the OS allows, excluded from core dumps, guard pages), wiped with
// sodium_memzero on release. Secrets of up to 16 KiB share sodium_malloc'd slabs (see
// secret_bytes.cpp: one sodium_malloc per key is several syscalls); larger ones, and any made
// read-only, get their own allocation with its own guard pages and canary. Move-only so no silent
// copies exist; clone() makes an explicit one. QByteArray and std::string must never hold secrets:
// their implicit sharing and reallocation leave copies behind that are never wiped.
#include <QByteArray>

#include <cstddef>
#include <cstdint>

namespace tidings::crypto {

//! Initialises libsodium once (thread-safe, idempotent). Every crypto entry point calls it.
bool ensureSodium();

class SecretBytes {
public:
    SecretBytes() = default;
    //! Zero-filled secret of the given size. size() == 0 on allocation failure (see valid()).
    explicit SecretBytes(std::size_t size);
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    ~SecretBytes();

    //! Fresh random secret (randombytes_buf).
    static SecretBytes random(std::size_t size);
    //! Copies raw bytes in (for test vectors and deserialization).
    static SecretBytes fromRaw(const void *data, std::size_t size);

    SecretBytes clone() const;
    //! Wipes and frees now (the destructor does the same).
    void clear();

    bool valid() const { return m_data != nullptr || m_size == 0; }
    bool isEmpty() const { return m_size == 0; }
    std::size_t size() const { return m_size; }
    std::uint8_t *data() { return m_data; }
    const std::uint8_t *data() const { return m_data; }
    const char *constChar() const { return reinterpret_cast<const char *>(m_data); }

    //! Page protection (sodium_mprotect_*): long-lived keys can be kept read-only so a stray
    //! write faults instead of corrupting them.
    bool makeReadOnly();
    bool makeReadWrite();

    //! Constant-time comparison (sodium_memcmp); false when sizes differ.
    bool equals(const SecretBytes &other) const;
    bool equals(const void *data, std::size_t size) const;

    //! Grows to newSize keeping the contents (a new guarded allocation; the old one is wiped).
    bool resize(std::size_t newSize);

    bool isPooledForTest() const;

private:
    std::uint8_t *m_data = nullptr;
    std::size_t m_size = 0;
    bool m_pooled = false;
};

//! Builds a secret blob piece by piece without passing through a QByteArray (session-state and
//! distribution-message serialization). Integers are big-endian; blobs length-prefixed (u32).
class SecretWriter {
public:
    void putU8(std::uint8_t v);
    void putU32(std::uint32_t v);
    void putU64(std::uint64_t v);
    void putRaw(const void *data, std::size_t size);
    void putRaw(const SecretBytes &s) { putRaw(s.data(), s.size()); }
    void putRaw(const QByteArray &b) { putRaw(b.constData(), std::size_t(b.size())); }
    void putBlob(const QByteArray &b);
    void putBlob(const SecretBytes &s);
    //! The finished blob, trimmed to the written size.
    SecretBytes take();
    bool failed() const { return m_failed; }

private:
    bool reserve(std::size_t extra);
    SecretBytes m_buf;
    std::size_t m_len = 0;
    bool m_failed = false;
};

//! Bounds-checked reader over a byte range (secret or not). Every get fails cleanly on
//! truncated input; callers check ok() once at the end.
class ByteReader {
public:
    ByteReader(const void *data, std::size_t size)
        : m_p(static_cast<const std::uint8_t *>(data))
        , m_left(size) {}
    explicit ByteReader(const QByteArray &b)
        : ByteReader(b.constData(), std::size_t(b.size())) {}
    explicit ByteReader(const SecretBytes &s)
        : ByteReader(s.data(), s.size()) {}

    std::uint8_t getU8();
    std::uint32_t getU32();
    std::uint64_t getU64();
    QByteArray getRaw(std::size_t n);
    SecretBytes getSecret(std::size_t n);
    //! u32 length prefix, at most maxLen bytes.
    QByteArray getBlob(std::size_t maxLen);
    SecretBytes getSecretBlob(std::size_t maxLen);
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_left == 0; }
    std::size_t remaining() const { return m_left; }

private:
    const std::uint8_t *take(std::size_t n);
    const std::uint8_t *m_p;
    std::size_t m_left;
    bool m_ok = true;
};

//! Public (non-secret) big-endian helpers for wire formats.
void appendU32(QByteArray &out, std::uint32_t v);
void appendU64(QByteArray &out, std::uint64_t v);
void appendBlob(QByteArray &out, const QByteArray &b);

} // namespace tidings::crypto
