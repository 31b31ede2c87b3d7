#include "core/store/store_crypto.h"

#include "crypto/primitives.h"

#include <QRegularExpression>

namespace tidings::client::detail {

namespace {

constexpr char kDataInfo[] = "TidingsLocalStorev1";
constexpr char kSearchInfo[] = "TidingsSearchv1";
constexpr char kCheckAd[] = "TidingsLocalStoreCheckv1";
constexpr char kCheckText[] = "tidings-local-store";
//! 10 bytes of HMAC: 80 bits, base32 without padding is exactly 16 characters.
constexpr int kTokenBytes = 10;

QByteArray rowAd(const char *kind, quint64 conversationId, quint64 senderUserId,
                 const QString &clientMessageId) {
    QByteArray ad(kind);
    crypto::appendU64(ad, conversationId);
    crypto::appendU64(ad, senderUserId);
    crypto::appendBlob(ad, clientMessageId.toUtf8());
    return ad;
}

QString base32(const std::uint8_t *data, int size) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    QString out;
    out.reserve((size * 8 + 4) / 5);
    quint32 buffer = 0;
    int bits = 0;
    for (int i = 0; i < size; ++i) {
        buffer = (buffer << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(alphabet[(buffer >> (bits - 5)) & 31]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(alphabet[(buffer << (5 - bits)) & 31]));
    return out;
}

} // namespace

QList<SearchWord> searchWords(const QString &text) {
    // Marks belong to the word they follow (decomposed input), as in unicode61.
    static const QRegularExpression word(QStringLiteral("[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M}]*"));
    QList<SearchWord> out;
    auto it = word.globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString decomposed = m.captured(0).normalized(QString::NormalizationForm_KD);
        QString folded;
        folded.reserve(decomposed.size());
        for (QChar c : decomposed) {
            const auto category = c.category();
            if (category == QChar::Mark_NonSpacing || category == QChar::Mark_SpacingCombining ||
                category == QChar::Mark_Enclosing)
                continue;
            folded.append(c);
        }
        folded = folded.toCaseFolded();
        if (!folded.isEmpty())
            out.append(SearchWord{m.capturedStart(0), m.capturedLength(0), folded});
    }
    return out;
}

StoreCipher::StoreCipher(const crypto::SecretBytes &masterKey) {
    if (masterKey.size() != crypto::kKeySize)
        return;
    m_dataKey = crypto::hkdf(QByteArray(), masterKey, QByteArray(kDataInfo), crypto::kKeySize);
    m_searchKey = crypto::hkdf(QByteArray(), masterKey, QByteArray(kSearchInfo), crypto::kKeySize);
    m_valid = m_dataKey.size() == crypto::kKeySize && m_searchKey.size() == crypto::kKeySize;
}

QByteArray StoreCipher::sealText(const QString &text, quint64 conversationId, quint64 senderUserId,
                                 const QString &clientMessageId) const {
    QByteArray plain = text.toUtf8();
    const QByteArray sealed = crypto::aeadSeal(
        m_dataKey, rowAd("msg", conversationId, senderUserId, clientMessageId), plain);
    plain.fill('\0');
    return sealed;
}

Result<QString> StoreCipher::openText(const QByteArray &sealed, quint64 conversationId,
                                      quint64 senderUserId, const QString &clientMessageId) const {
    auto plain = crypto::aeadOpen(
        m_dataKey, rowAd("msg", conversationId, senderUserId, clientMessageId), sealed);
    if (!plain)
        return Error{ErrorCode::Storage, QStringLiteral("a stored message does not decrypt")};
    QString text = QString::fromUtf8(*plain);
    plain->fill('\0');
    return text;
}

QByteArray StoreCipher::sealPayload(const QByteArray &payload, quint64 conversationId,
                                    const QString &clientMessageId) const {
    return crypto::aeadSeal(m_dataKey, rowAd("outbox", conversationId, 0, clientMessageId),
                            payload);
}

Result<QByteArray> StoreCipher::openPayload(const QByteArray &sealed, quint64 conversationId,
                                            const QString &clientMessageId) const {
    auto plain =
        crypto::aeadOpen(m_dataKey, rowAd("outbox", conversationId, 0, clientMessageId), sealed);
    if (!plain)
        return Error{ErrorCode::Storage, QStringLiteral("an outbox entry does not decrypt")};
    return *plain;
}

QByteArray StoreCipher::sealDraft(const QString &text, quint64 conversationId) const {
    QByteArray plain = text.toUtf8();
    const QByteArray sealed =
        crypto::aeadSeal(m_dataKey, rowAd("draft", conversationId, 0, QString()), plain);
    plain.fill('\0');
    return sealed;
}

Result<QString> StoreCipher::openDraft(const QByteArray &sealed, quint64 conversationId) const {
    auto plain = crypto::aeadOpen(m_dataKey, rowAd("draft", conversationId, 0, QString()), sealed);
    if (!plain)
        return Error{ErrorCode::Storage, QStringLiteral("a draft does not decrypt")};
    QString text = QString::fromUtf8(*plain);
    plain->fill('\0');
    return text;
}

QByteArray StoreCipher::keyCheck() const {
    return crypto::aeadSeal(m_dataKey, QByteArray(kCheckAd), QByteArray(kCheckText));
}

bool StoreCipher::matchesKeyCheck(const QByteArray &check) const {
    auto plain = crypto::aeadOpen(m_dataKey, QByteArray(kCheckAd), check);
    return plain && *plain == QByteArray(kCheckText);
}

QString StoreCipher::token(const QString &foldedWord) const {
    const crypto::SecretBytes mac = crypto::hmacSha256(m_searchKey, foldedWord.toUtf8());
    if (mac.size() < size_t(kTokenBytes))
        return QString();
    return base32(mac.data(), kTokenBytes);
}

QString StoreCipher::blindTokens(const QString &text) const {
    QSet<QString> seen;
    QStringList tokens;
    for (const SearchWord &w : searchWords(text)) {
        if (seen.contains(w.folded))
            continue;
        seen.insert(w.folded);
        tokens.append(token(w.folded));
    }
    return tokens.join(QLatin1Char(' '));
}

QStringList StoreCipher::queryTokens(const QString &query) const {
    QSet<QString> seen;
    QStringList tokens;
    for (const SearchWord &w : searchWords(query)) {
        if (seen.contains(w.folded))
            continue;
        seen.insert(w.folded);
        tokens.append(token(w.folded));
    }
    return tokens;
}

} // namespace tidings::client::detail
