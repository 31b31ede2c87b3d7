#pragma once
// Native TLS for the gateway's one listener (issue 13): the certificate chain and private key
// come from PEM files (the admin's own, e.g. Let's Encrypt's, or a self-signed one), are loaded
// before the server listens and again on SIGHUP or when the files change, so a renewed
// certificate needs no restart. Connections that are open keep the certificate they started
// with; a file that does not load leaves the one in use in place.
#include "protocol/result.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

namespace tidings::server {

struct TlsFiles {
    QString certFile; //!< PEM: the server's certificate first, then its chain
    QString keyFile;  //!< PEM: its private key (EC or RSA, not encrypted)
    bool enabled() const { return !certFile.isEmpty(); }
};

//! The server side of TLS 1.2 or later with the files' certificate and key. Errors say which
//! file and why (missing, not PEM, key not matching the certificate, expired).
Result<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files);

//! Writes a new self-signed certificate (EC P-256, SHA-256, valid `days` from now) naming
//! `hostNames` (DNS names or IP addresses; the first is the subject's CN) to `files`: the key
//! with mode 0600. Existing files are replaced. For servers without a certificate of their own
//! (a LAN, a first start): clients trust it on first use by its fingerprint.
Status writeSelfSignedCertificate(const TlsFiles &files, const QStringList &hostNames,
                                  int days = 3650);

//! SHA-256 over the certificate's DER, as upper-case hex pairs joined by ':' (what admins copy
//! to their users, and what `openssl x509 -fingerprint -sha256` prints).
QString certificateFingerprint(const QSslCertificate &certificate);

} // namespace tidings::server
