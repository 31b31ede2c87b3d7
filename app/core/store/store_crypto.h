#pragma once
// Encryption at rest for the local cache: message bodies, outbox payloads and drafts are sealed
// with XChaCha20-Poly1305 under an HKDF subkey of the device's master key (info
// "TidingsLocalStorev1"); the AD binds each ciphertext to its row so a body cannot be moved to
// another message. Search works on keyed blind tokens (HMAC under the subkey "TidingsSearchv1"), so
// the FTS5 index holds no plaintext word. The Database derives one StoreCipher from the master key;
// the stores use it through Database::cipher().
#include "crypto/secret_bytes.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>

namespace tidings::client::detail {

//! One word of a text as search sees it: its place in the text and its folded form.
struct SearchWord {
    qsizetype start = 0;
    qsizetype length = 0;
    QString folded;
};

//! Splits like FTS5 unicode61 (letters and digits are word characters) and folds each word like
//! remove_diacritics 2: NFKD, combining marks dropped, lower case.
QList<SearchWord> searchWords(const QString &text);

class StoreCipher {
public:
    //! Derives the two subkeys; an invalid master key (not 32 bytes) gives !valid().
    explicit StoreCipher(const crypto::SecretBytes &masterKey);
    bool valid() const { return m_valid; }

    //! nonce ‖ ciphertext ‖ tag of a message text bound to its row identity.
    QByteArray sealText(const QString &text, quint64 conversationId, quint64 senderUserId,
                        const QString &clientMessageId) const;
    Result<QString> openText(const QByteArray &sealed, quint64 conversationId, quint64 senderUserId,
                             const QString &clientMessageId) const;
    QByteArray sealPayload(const QByteArray &payload, quint64 conversationId,
                           const QString &clientMessageId) const;
    Result<QByteArray> openPayload(const QByteArray &sealed, quint64 conversationId,
                                   const QString &clientMessageId) const;
    //! A chat's draft, bound to the chat.
    QByteArray sealDraft(const QString &text, quint64 conversationId) const;
    Result<QString> openDraft(const QByteArray &sealed, quint64 conversationId) const;

    //! The value stored beside the data that proves a later open uses the same key.
    QByteArray keyCheck() const;
    bool matchesKeyCheck(const QByteArray &check) const;

    //! The distinct blind tokens of a text, space-separated (what the FTS5 index holds).
    QString blindTokens(const QString &text) const;
    //! One blind token per distinct word of a query, to be ANDed as exact FTS5 terms.
    QStringList queryTokens(const QString &query) const;

private:
    QString token(const QString &foldedWord) const;

    crypto::SecretBytes m_dataKey;
    crypto::SecretBytes m_searchKey;
    bool m_valid = false;
};

} // namespace tidings::client::detail
