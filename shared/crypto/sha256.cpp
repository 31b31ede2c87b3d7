#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <QtGlobal>

namespace tidings::crypto {

struct Sha256::Ctx {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256()
    : m_ctx(std::make_unique<Ctx>()) {
    if (!m_ctx->md || EVP_DigestInit_ex(m_ctx->md, EVP_sha256(), nullptr) != 1)
        qFatal("OpenSSL cannot compute SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::update(const void *data, std::size_t size) {
    if (size > 0 && EVP_DigestUpdate(m_ctx->md, data, size) != 1)
        qFatal("OpenSSL SHA-256 update failed");
}

QByteArray Sha256::final() {
    QByteArray out(32, Qt::Uninitialized);
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(m_ctx->md, reinterpret_cast<unsigned char *>(out.data()), &n) != 1 ||
        n != 32 || EVP_DigestInit_ex(m_ctx->md, EVP_sha256(), nullptr) != 1)
        qFatal("OpenSSL SHA-256 final failed");
    return out;
}

QByteArray Sha256::hash(QByteArrayView data) {
    Sha256 h;
    h.update(data);
    return h.final();
}

} // namespace tidings::crypto
