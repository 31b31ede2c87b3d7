#include "gateway/tls.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QSslKey>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace tidings::server {

namespace {

Error tlsError(const QString &detail) {
    return Error{ErrorCode::Usage, detail};
}

Result<QByteArray> readPem(const QString &path, const char *what) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return tlsError(QStringLiteral("cannot read the TLS %1 %2: %3")
                            .arg(QLatin1String(what), path, f.errorString()));
    // A certificate chain is a few KiB; anything far larger is not one.
    constexpr qint64 kMaxPemBytes = 1024 * 1024;
    if (f.size() > kMaxPemBytes)
        return tlsError(
            QStringLiteral("the TLS %1 %2 is larger than 1 MiB").arg(QLatin1String(what), path));
    return f.readAll();
}

//! Whether the PEM private key belongs to the certificate (Qt cannot tell; OpenSSL can).
bool keyMatches(const QSslCertificate &leaf, const QByteArray &keyPem) {
    const QByteArray der = leaf.toDer();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    std::unique_ptr<X509, decltype(&X509_free)> x509(d2i_X509(nullptr, &p, long(der.size())),
                                                     &X509_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), &BIO_free);
    if (!x509 || !bio)
        return false;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    const bool ok = key && X509_check_private_key(x509.get(), key.get()) == 1;
    ERR_clear_error(); // a mismatch leaves an error queued for this thread
    return ok;
}

} // namespace

Result<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files) {
    if (files.certFile.isEmpty() || files.keyFile.isEmpty())
        return tlsError(QStringLiteral("TLS needs both a certificate and a key file"));
    auto certPem = readPem(files.certFile, "certificate");
    if (!certPem)
        return certPem.error();
    auto keyPem = readPem(files.keyFile, "key");
    if (!keyPem)
        return keyPem.error();
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return tlsError(
            QStringLiteral("%1 holds no PEM certificate (BEGIN CERTIFICATE)").arg(files.certFile));
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
        key = QSslKey(*keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull())
        return tlsError(QStringLiteral("%1 holds no unencrypted PEM private key (EC or RSA)")
                            .arg(files.keyFile));
    const QSslCertificate &leaf = chain.first();
    if (!keyMatches(leaf, *keyPem))
        return tlsError(QStringLiteral("the key in %1 is not the key of the certificate in %2")
                            .arg(files.keyFile, files.certFile));
    if (leaf.expiryDate() < QDateTime::currentDateTimeUtc())
        return tlsError(QStringLiteral("the certificate in %1 expired on %2")
                            .arg(files.certFile, leaf.expiryDate().toString(Qt::ISODate)));
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone); // clients authenticate with tokens
    return config;
}

QString certificateFingerprint(const QSslCertificate &certificate) {
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

} // namespace tidings::server
