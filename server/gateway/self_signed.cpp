// Self-signed certificates for tidingsd (gateway/tls.h): OpenSSL 3 builds the key and the X.509
// certificate; Qt has no API to make either.
#include "gateway/tls.h"

#include <QFile>
#include <QHostAddress>
#include <QSaveFile>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>

namespace tidings::server {

namespace {

template <typename T, void (*Free)(T *)> struct OsslFree {
    void operator()(T *p) const { Free(p); }
};
using EvpKey = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY, EVP_PKEY_free>>;
using X509Cert = std::unique_ptr<X509, OsslFree<X509, X509_free>>;
using MemBio = std::unique_ptr<BIO, OsslFree<BIO, BIO_free_all>>;

Error opensslError(const QString &what) {
    const unsigned long code = ERR_get_error();
    char text[256] = {};
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return Error{ErrorCode::Internal, QStringLiteral("%1: %2").arg(what, QLatin1String(text))};
}

QByteArray pemText(const std::function<int(BIO *)> &write) {
    MemBio bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1)
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(n));
}

Status writeTlsFile(const QString &path, const QByteArray &bytes, QFileDevice::Permissions mode) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error{ErrorCode::Usage,
                     QStringLiteral("cannot write %1: %2").arg(path, f.errorString())};
    // The mode first: the key is never readable by others, not even for a moment.
    f.setPermissions(mode);
    if (f.write(bytes) != bytes.size() || !f.commit())
        return Error{ErrorCode::Usage,
                     QStringLiteral("cannot write %1: %2").arg(path, f.errorString())};
    return {};
}

} // namespace

Status writeSelfSignedCertificate(const TlsFiles &files, const QStringList &hostNames, int days) {
    if (hostNames.isEmpty() || !files.enabled() || files.keyFile.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("a certificate needs a name and two files")};
    EvpKey key(EVP_EC_gen("P-256"));
    if (!key)
        return opensslError(QStringLiteral("making the key"));
    X509Cert cert(X509_new());
    if (!cert)
        return opensslError(QStringLiteral("making the certificate"));
    X509_set_version(cert.get(), 2); // v3: extensions
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return opensslError(QStringLiteral("a serial number"));
    serial[0] &= 0x7f; // positive
    std::unique_ptr<BIGNUM, OsslFree<BIGNUM, BN_free>> bn(
        BN_bin2bn(serial, sizeof serial, nullptr));
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
        return opensslError(QStringLiteral("a serial number"));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600); // clocks that are a little behind
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(days) * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = hostNames.first().toUtf8().left(64);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>("Tidings"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    QStringList alt;
    for (const QString &h : hostNames)
        alt << (QHostAddress(h).isNull() ? QStringLiteral("DNS:") : QStringLiteral("IP:")) + h;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    const std::pair<int, QByteArray> extensions[] = {
        {NID_subject_alt_name, alt.join(QLatin1Char(',')).toUtf8()},
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
    };
    for (const auto &[nid, value] : extensions) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.constData());
        if (!ext)
            return opensslError(QStringLiteral("a certificate extension"));
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return opensslError(QStringLiteral("signing the certificate"));
    const QByteArray keyPem = pemText([&](BIO *b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    const QByteArray certPem = pemText([&](BIO *b) { return PEM_write_bio_X509(b, cert.get()); });
    if (keyPem.isEmpty() || certPem.isEmpty())
        return opensslError(QStringLiteral("writing PEM"));
    if (auto s =
            writeTlsFile(files.keyFile, keyPem, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        !s)
        return s;
    return writeTlsFile(files.certFile, certPem,
                        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                            QFileDevice::ReadOther);
}

} // namespace tidings::server
