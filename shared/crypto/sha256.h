#pragma once
// SHA-256 for bulk data (media blobs: the client's encryption and verification, the server's
// check of a finished upload). OpenSSL's implementation, which uses the CPU's SHA extensions
// when it has them: on the project's machine ~1.5 GB/s, against ~130 MB/s for libsodium's
// portable code and ~50 MB/s for QCryptographicHash (docs/PERFORMANCE.md, "Media"). Short
// inputs (keys, tokens) keep using libsodium; both compute the same function.
#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace tidings::crypto {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void update(const void *data, std::size_t size);
    void update(QByteArrayView data) { update(data.data(), std::size_t(data.size())); }
    //! The 32-byte digest; the object starts over afterwards.
    QByteArray final();

    static QByteArray hash(QByteArrayView data);

private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
};

} // namespace tidings::crypto
