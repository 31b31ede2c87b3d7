// Account-key succession, handoff and recovery key (shared/crypto/key_succession, recovery_key,
// base32; docs/design/account-key-lifecycle.md §1.2, §1.4, §2.2): statements of both authorities
// verify and re-encode to the same bytes; a flipped bit anywhere, swapped keys, a new-key
// signature by another key, a recovery statement whose embedded list is under another key, names
// no recovery key or another version, and a statement about another user are refused with their
// own typed errors; a handoff opens only on its device, for its statement and its key; recovery
// keys round-trip through the spellings people type and refuse typos; a fixed R gives a pinned
// text and RSK.
#include "test_helpers.h"

#include "crypto/base32.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"
#include "crypto/recovery_key.h"

#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

constexpr quint64 kUser = 7;

Ed25519KeyPair keyFromByte(char b) {
    auto key = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(QByteArray(32, b).constData(), 32));
    return std::move(*key);
}

//! R = 0x01, 0x02, ..., 0x20 (the known-answer vector).
SecretBytes countingSecret() {
    SecretBytes r(kRecoverySecretSize);
    for (std::size_t i = 0; i < r.size(); ++i)
        r.data()[i] = std::uint8_t(i + 1);
    return r;
}

CryptoError errorOf(const Result<KeySuccession> &r) {
    return r ? CryptoError::None : cryptoErrorOf(r.error());
}
CryptoError errorOf(const Result<Ed25519KeyPair> &r) {
    return r ? CryptoError::None : cryptoErrorOf(r.error());
}

//! The blob format of key_succession.h written out by hand (not with the code under test), with
//! any two signers: the refusals below need statements signSuccession() would not make.
QByteArray signBody(const QByteArray &body, const Ed25519KeyPair &authority,
                    const Ed25519KeyPair &newSigner) {
    const QByteArray message = QByteArray("TidingsKeySuccessionv1") + body;
    QByteArray blob;
    appendBlob(blob, body);
    return blob + ed25519Sign(authority.secretKey, message) +
           ed25519Sign(newSigner.secretKey, message);
}
QByteArray bodyByHand(const KeySuccession &s) {
    QByteArray body("TKS\x01", 4);
    body.append(char(s.authority));
    appendU64(body, s.userId);
    body += s.oldKey + s.newKey;
    appendU64(body, s.lastVersion);
    appendU64(body, quint64(s.issuedAtMs));
    if (s.authority == SuccessionAuthority::RecoveryKey)
        appendBlob(body, s.embeddedList);
    return body;
}
QByteArray signByHand(const KeySuccession &s, const Ed25519KeyPair &authority,
                      const Ed25519KeyPair &newSigner) {
    return signBody(bodyByHand(s), authority, newSigner);
}

//! A handoff sealed by hand (the format of key_succession.h), so that its contents can be wrong:
//! the AD names (adUser, adDevice), the plaintext (plainUser, plainDevice, seed).
QByteArray sealByHand(quint64 adUser, quint64 adDevice, quint64 plainUser, quint64 plainDevice,
                      const QByteArray &dik, const QByteArray &namedKey, const SecretBytes &seed,
                      const QByteArray &statement) {
    const X25519KeyPair eph = X25519KeyPair::generate();
    const SecretBytes dh = std::move(*x25519(eph.secretKey, dik));
    const SecretBytes key = hkdf(QByteArray("TidingsAikHandoffv1"), dh,
                                 QByteArray("TidingsAikHandoffv1") + namedKey, 32);
    QByteArray ad("TidingsAikHandoffv1");
    appendU64(ad, adUser);
    appendU64(ad, adDevice);
    ad += eph.publicKey + sha256(statement);
    SecretWriter w;
    w.putU64(plainUser);
    w.putU64(plainDevice);
    w.putRaw(seed);
    return QByteArray(1, '\x01') + eph.publicKey + aeadSeal(key, ad, w.take());
}

struct Accounts {
    Ed25519KeyPair oldAik = keyFromByte('o');
    Ed25519KeyPair newAik = keyFromByte('n');
    Ed25519KeyPair other = keyFromByte('x');
    Ed25519KeyPair rsk = std::move(*recoverySigningKey(countingSecret()));
    DeviceKeys laptop = DeviceKeys::generate(kUser, 1);
    DeviceKeys phone = DeviceKeys::generate(kUser, 2);

    DeviceList list(quint64 version, const QByteArray &recoveryKey) const {
        DeviceList l;
        l.userId = kUser;
        l.version = version;
        l.issuedAtMs = 1'800'000'000'000;
        l.recoveryKey = recoveryKey;
        l.devices = {{1, laptop.dsk.publicKey, laptop.dik.publicKey},
                     {2, phone.dsk.publicKey, phone.dik.publicKey}};
        return l;
    }
    KeySuccession rotation() const {
        KeySuccession s;
        s.userId = kUser;
        s.oldKey = oldAik.publicKey;
        s.newKey = newAik.publicKey;
        s.lastVersion = 12;
        s.issuedAtMs = 1'800'000'000'500;
        return s;
    }
    //! Authority 2 over `embedded` (by default list 12 under the old AIK, naming the RSK).
    KeySuccession recovery(QByteArray embedded = {}) const {
        KeySuccession s = rotation();
        s.authority = SuccessionAuthority::RecoveryKey;
        s.embeddedList =
            embedded.isEmpty() ? signDeviceList(list(12, rsk.publicKey), oldAik) : embedded;
        return s;
    }
};

} // namespace

class TestCryptoKeySuccession : public QObject {
    Q_OBJECT
private slots:
    void previousKeyStatementVerifies();
    void recoveryStatementVerifies();
    void everyFlippedBitRefused();
    void swappedKeysRefused();
    void newKeySignatureByAnotherKeyRefused();
    void authorityByAnotherKeyRefused();
    void recoveryWithAListUnderAnotherKeyRefused();
    void recoveryWithoutRecoveryKeyRefused();
    void recoveryWithAnotherVersionRefused();
    void statementAboutAnotherUserRefused();
    void malformedStatementsRefused();

    void handoffRoundTrip();
    void handoffRefusedElsewhere();
    void handoffSeedMustBeTheNewKey();

    void base32RoundTrip();
    void recoveryKeyRoundTrip();
    void recoveryKeyTyposRefused();
    void recoverySigningKeyKnownAnswer();
};

void TestCryptoKeySuccession::previousKeyStatementVerifies() {
    const Accounts a;
    const KeySuccession s = a.rotation();
    const QByteArray blob = signSuccession(s, a.oldAik, a.newAik);
    QVERIFY(!blob.isEmpty());
    QCOMPARE(blob, signByHand(s, a.oldAik, a.newAik)); // the documented bytes, one encoding
    auto v = verifySuccession(blob, kUser);
    QVERIFY2(v.ok(), qPrintable(v ? QString() : v.error().detail));
    QCOMPARE(v->authority, SuccessionAuthority::PreviousKey);
    QCOMPARE(v->userId, kUser);
    QCOMPARE(v->oldKey, a.oldAik.publicKey);
    QCOMPARE(v->newKey, a.newAik.publicKey);
    QCOMPARE(v->lastVersion, 12u);
    QCOMPARE(v->issuedAtMs, s.issuedAtMs);
    QVERIFY(v->embeddedList.isEmpty());
    // Signing refuses what could not verify: keys that are not the statement's, another authority.
    QVERIFY(signSuccession(s, a.other, a.newAik).isEmpty());
    QVERIFY(signSuccession(s, a.oldAik, a.other).isEmpty());
    QVERIFY(signSuccession(a.recovery(), a.oldAik, a.newAik).isEmpty());
    KeySuccession self = s;
    self.newKey = self.oldKey;
    QVERIFY(signSuccession(self, a.oldAik, a.oldAik).isEmpty());
}

void TestCryptoKeySuccession::recoveryStatementVerifies() {
    const Accounts a;
    const KeySuccession s = a.recovery();
    const QByteArray blob = signRecoverySuccession(s, a.rsk, a.newAik);
    QVERIFY(!blob.isEmpty());
    QCOMPARE(blob, signByHand(s, a.rsk, a.newAik));
    auto v = verifySuccession(blob, kUser);
    QVERIFY2(v.ok(), qPrintable(v ? QString() : v.error().detail));
    QCOMPARE(v->authority, SuccessionAuthority::RecoveryKey);
    QCOMPARE(v->oldKey, a.oldAik.publicKey);
    QCOMPARE(v->newKey, a.newAik.publicKey);
    QCOMPARE(v->embeddedList, s.embeddedList);
    // The old AIK is no recovery authority, and the RSK must be the one the list names.
    QVERIFY(signRecoverySuccession(s, a.oldAik, a.newAik).isEmpty());
    QVERIFY(signRecoverySuccession(s, a.other, a.newAik).isEmpty());
    QVERIFY(signRecoverySuccession(a.rotation(), a.rsk, a.newAik).isEmpty());
}

void TestCryptoKeySuccession::everyFlippedBitRefused() {
    const Accounts a;
    for (const QByteArray &blob : {signSuccession(a.rotation(), a.oldAik, a.newAik),
                                   signRecoverySuccession(a.recovery(), a.rsk, a.newAik)}) {
        QVERIFY(verifySuccession(blob, kUser).ok());
        for (qsizetype bit = 0; bit < blob.size() * 8; ++bit)
            QVERIFY2(!verifySuccession(flipBit(blob, bit), kUser).ok(),
                     qPrintable(QString::number(bit)));
        QVERIFY(!verifySuccession(blob.chopped(1), kUser).ok());
        QVERIFY(!verifySuccession(blob + 'x', kUser).ok());
    }
}

void TestCryptoKeySuccession::swappedKeysRefused() {
    const Accounts a;
    const KeySuccession s = a.rotation();
    const QByteArray blob = signSuccession(s, a.oldAik, a.newAik);
    // The same signatures over a body that names the keys the other way round.
    KeySuccession swapped = s;
    std::swap(swapped.oldKey, swapped.newKey);
    QByteArray forged = signByHand(swapped, a.oldAik, a.newAik).chopped(2 * 64) + blob.right(128);
    QCOMPARE(errorOf(verifySuccession(forged, kUser)), CryptoError::BadSignature);
    // The signatures swapped: each key signed, but not in its role.
    const QByteArray sigs = blob.right(128);
    forged = blob.chopped(128) + sigs.right(64) + sigs.left(64);
    QCOMPARE(errorOf(verifySuccession(forged, kUser)), CryptoError::BadSignature);
}

void TestCryptoKeySuccession::newKeySignatureByAnotherKeyRefused() {
    const Accounts a;
    const KeySuccession s = a.rotation();
    QCOMPARE(errorOf(verifySuccession(signByHand(s, a.oldAik, a.other), kUser)),
             CryptoError::BadSignature);
    QCOMPARE(errorOf(verifySuccession(signByHand(s, a.oldAik, a.oldAik), kUser)),
             CryptoError::BadSignature);
    // Missing: the blob ends after the authority's signature.
    QCOMPARE(errorOf(verifySuccession(signByHand(s, a.oldAik, a.newAik).chopped(64), kUser)),
             CryptoError::Malformed);
    const KeySuccession r = a.recovery();
    QCOMPARE(errorOf(verifySuccession(signByHand(r, a.rsk, a.other), kUser)),
             CryptoError::BadSignature);
}

void TestCryptoKeySuccession::authorityByAnotherKeyRefused() {
    const Accounts a;
    QCOMPARE(errorOf(verifySuccession(signByHand(a.rotation(), a.other, a.newAik), kUser)),
             CryptoError::BadSignature);
    // A recovery statement signed by the old AIK, or by a key the list does not name.
    QCOMPARE(errorOf(verifySuccession(signByHand(a.recovery(), a.oldAik, a.newAik), kUser)),
             CryptoError::BadSignature);
    QCOMPARE(errorOf(verifySuccession(signByHand(a.recovery(), a.other, a.newAik), kUser)),
             CryptoError::BadSignature);
}

void TestCryptoKeySuccession::recoveryWithAListUnderAnotherKeyRefused() {
    const Accounts a;
    // The thief's (or the server's) list naming its own RSK, signed by a key that is not oldKey.
    const KeySuccession s = a.recovery(signDeviceList(a.list(12, a.rsk.publicKey), a.other));
    QVERIFY(signRecoverySuccession(s, a.rsk, a.newAik).isEmpty());
    QCOMPARE(errorOf(verifySuccession(signByHand(s, a.rsk, a.newAik), kUser)),
             CryptoError::BadSignature);
    // A list of another user under the old key.
    DeviceList other = a.list(12, a.rsk.publicKey);
    other.userId = kUser + 1;
    const KeySuccession t = a.recovery(signDeviceList(other, a.oldAik));
    QCOMPARE(errorOf(verifySuccession(signByHand(t, a.rsk, a.newAik), kUser)),
             CryptoError::IdentityMismatch);
}

void TestCryptoKeySuccession::recoveryWithoutRecoveryKeyRefused() {
    const Accounts a;
    const KeySuccession s = a.recovery(signDeviceList(a.list(12, {}), a.oldAik));
    QVERIFY(signRecoverySuccession(s, a.rsk, a.newAik).isEmpty());
    QCOMPARE(errorOf(verifySuccession(signByHand(s, a.rsk, a.newAik), kUser)),
             CryptoError::Malformed);
    // And no list at all.
    KeySuccession empty = a.recovery();
    empty.embeddedList.clear();
    QVERIFY(signRecoverySuccession(empty, a.rsk, a.newAik).isEmpty());
    QCOMPARE(errorOf(verifySuccession(signByHand(empty, a.rsk, a.newAik), kUser)),
             CryptoError::Malformed);
}

void TestCryptoKeySuccession::recoveryWithAnotherVersionRefused() {
    const Accounts a;
    for (quint64 last : {11u, 13u, 0u}) {
        KeySuccession s = a.recovery();
        s.lastVersion = last;
        QVERIFY(signRecoverySuccession(s, a.rsk, a.newAik).isEmpty());
        QCOMPARE(errorOf(verifySuccession(signByHand(s, a.rsk, a.newAik), kUser)),
                 CryptoError::Malformed);
    }
}

void TestCryptoKeySuccession::statementAboutAnotherUserRefused() {
    const Accounts a;
    auto r = verifySuccession(signSuccession(a.rotation(), a.oldAik, a.newAik), kUser + 1);
    QCOMPARE(errorOf(r), CryptoError::IdentityMismatch);
    QCOMPARE(r.error().code, ErrorCode::Forbidden);
    QCOMPARE(errorOf(verifySuccession(signRecoverySuccession(a.recovery(), a.rsk, a.newAik), 0)),
             CryptoError::IdentityMismatch);
}

void TestCryptoKeySuccession::malformedStatementsRefused() {
    const Accounts a;
    QCOMPARE(errorOf(verifySuccession({}, kUser)), CryptoError::Malformed);
    QCOMPARE(errorOf(verifySuccession(QByteArray(4, '\xff'), kUser)), CryptoError::Malformed);
    const QByteArray blob = signSuccession(a.rotation(), a.oldAik, a.newAik);
    // Unknown format and authority bytes (offsets: u32 length, "TKS", format, authority).
    QByteArray format = blob;
    format[4 + 3] = 2;
    QCOMPARE(errorOf(verifySuccession(format, kUser)), CryptoError::UnsupportedVersion);
    QByteArray authority = blob;
    authority[4 + 4] = 3;
    QCOMPARE(errorOf(verifySuccession(authority, kUser)), CryptoError::Malformed);
    // Authority 1 followed by a list: both signatures good, the body still refused.
    QByteArray withList = bodyByHand(a.recovery());
    withList[4] = char(SuccessionAuthority::PreviousKey);
    QCOMPARE(errorOf(verifySuccession(signBody(withList, a.oldAik, a.newAik), kUser)),
             CryptoError::Malformed);
    // Trailing bytes after a body, or after the embedded list.
    QCOMPARE(errorOf(verifySuccession(signBody(bodyByHand(a.rotation()) + '\0', a.oldAik, a.newAik),
                                      kUser)),
             CryptoError::Malformed);
    QCOMPARE(errorOf(verifySuccession(signBody(bodyByHand(a.recovery()) + '\0', a.rsk, a.newAik),
                                      kUser)),
             CryptoError::Malformed);
    // A key succeeding itself.
    KeySuccession self = a.rotation();
    self.newKey = self.oldKey;
    QCOMPARE(errorOf(verifySuccession(signByHand(self, a.oldAik, a.oldAik), kUser)),
             CryptoError::Malformed);
    QCOMPARE(errorOf(verifySuccession(QByteArray(KeySuccession::kMaxBlob + 1, '\0'), kUser)),
             CryptoError::Malformed);
}

void TestCryptoKeySuccession::handoffRoundTrip() {
    const Accounts a;
    const QByteArray statement = signSuccession(a.rotation(), a.oldAik, a.newAik);
    const QByteArray blob = sealHandoff(kUser, 2, a.phone.dik.publicKey, a.newAik, statement);
    QCOMPARE(blob.size(), 1 + 32 + 24 + 48 + 16);
    QCOMPARE(blob.at(0), '\x01');
    // The seed travels sealed: it is nowhere in the blob.
    QVERIFY(!blob.contains(toQByteArray(a.newAik.secretKey).left(32)));
    auto key = openHandoff(blob, kUser, 2, a.phone.dik, a.newAik.publicKey, statement);
    QVERIFY2(key.ok(), qPrintable(key ? QString() : key.error().detail));
    QCOMPARE(key->publicKey, a.newAik.publicKey);
    QVERIFY(key->secretKey.equals(a.newAik.secretKey));
    // Fresh ephemeral key each time.
    QVERIFY(sealHandoff(kUser, 2, a.phone.dik.publicKey, a.newAik, statement) != blob);
    // A pair whose public half is not its seed's is not sealed.
    Ed25519KeyPair mixed{a.other.publicKey, a.newAik.secretKey.clone()};
    QVERIFY(sealHandoff(kUser, 2, a.phone.dik.publicKey, mixed, statement).isEmpty());
}

void TestCryptoKeySuccession::handoffRefusedElsewhere() {
    const Accounts a;
    const QByteArray statement = signSuccession(a.rotation(), a.oldAik, a.newAik);
    const QByteArray blob = sealHandoff(kUser, 2, a.phone.dik.publicKey, a.newAik, statement);
    // Another device's DIK (the laptop, or the stolen device).
    QCOMPARE(errorOf(openHandoff(blob, kUser, 2, a.laptop.dik, a.newAik.publicKey, statement)),
             CryptoError::DecryptFailed);
    // Right DIK, but opened as another device or user.
    QCOMPARE(errorOf(openHandoff(blob, kUser, 1, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::DecryptFailed);
    QCOMPARE(errorOf(openHandoff(blob, kUser + 1, 2, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::DecryptFailed);
    // For another statement (another chain link) or another expected key.
    const QByteArray otherStatement = signSuccession(a.rotation(), a.oldAik, a.other);
    KeySuccession later = a.rotation();
    later.lastVersion = 13;
    for (const QByteArray &st : {otherStatement, signSuccession(later, a.oldAik, a.newAik)})
        QCOMPARE(errorOf(openHandoff(blob, kUser, 2, a.phone.dik, a.newAik.publicKey, st)),
                 CryptoError::DecryptFailed);
    QCOMPARE(errorOf(openHandoff(blob, kUser, 2, a.phone.dik, a.other.publicKey, statement)),
             CryptoError::DecryptFailed);
    // Garbled.
    for (qsizetype bit = 0; bit < blob.size() * 8; bit += 7)
        QVERIFY(
            !openHandoff(flipBit(blob, bit), kUser, 2, a.phone.dik, a.newAik.publicKey, statement)
                 .ok());
    QCOMPARE(
        errorOf(openHandoff(blob.chopped(1), kUser, 2, a.phone.dik, a.newAik.publicKey, statement)),
        CryptoError::Malformed);
    QByteArray version = blob;
    version[0] = 2;
    QCOMPARE(errorOf(openHandoff(version, kUser, 2, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::UnsupportedVersion);
}

void TestCryptoKeySuccession::handoffSeedMustBeTheNewKey() {
    const Accounts a;
    const QByteArray statement = signSuccession(a.rotation(), a.oldAik, a.newAik);
    const QByteArray dik = a.phone.dik.publicKey;
    const SecretBytes newSeed = SecretBytes::fromRaw(a.newAik.secretKey.data(), 32);
    const SecretBytes otherSeed = SecretBytes::fromRaw(a.other.secretKey.data(), 32);
    // The hand-made seal matches sealHandoff's format.
    QVERIFY(openHandoff(sealByHand(kUser, 2, kUser, 2, dik, a.newAik.publicKey, newSeed, statement),
                        kUser, 2, a.phone.dik, a.newAik.publicKey, statement)
                .ok());
    // Someone who can seal to this DIK names the new key but sends another seed.
    QCOMPARE(errorOf(openHandoff(
                 sealByHand(kUser, 2, kUser, 2, dik, a.newAik.publicKey, otherSeed, statement),
                 kUser, 2, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::IdentityMismatch);
    // The sealed user or device differ from the ones the AD names.
    QCOMPARE(errorOf(openHandoff(
                 sealByHand(kUser, 2, kUser, 1, dik, a.newAik.publicKey, newSeed, statement), kUser,
                 2, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::IdentityMismatch);
    QCOMPARE(errorOf(openHandoff(
                 sealByHand(kUser, 2, kUser + 1, 2, dik, a.newAik.publicKey, newSeed, statement),
                 kUser, 2, a.phone.dik, a.newAik.publicKey, statement)),
             CryptoError::IdentityMismatch);
}

void TestCryptoKeySuccession::base32RoundTrip() {
    // RFC 4648 §10 vectors, without padding.
    const QList<std::pair<QByteArray, QString>> vectors{
        {"f", "MY"},         {"fo", "MZXQ"},        {"foo", "MZXW6"},
        {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
    };
    for (const auto &[plain, text] : vectors) {
        const SecretBytes bytes =
            SecretBytes::fromRaw(plain.constData(), std::size_t(plain.size()));
        QCOMPARE(base32Encode(bytes), text);
        auto back = base32Decode(text.toLower(), bytes.size());
        QVERIFY(back && back->equals(bytes));
        QVERIFY(!base32Decode(text, bytes.size() + 1));
        QVERIFY(!base32Decode(text + QLatin1Char('A'), bytes.size()));
    }
    // Non-zero pad bits: "MZ" would be a second spelling of "f".
    QVERIFY(!base32Decode(QStringLiteral("MZ"), 1));
    // Outside the alphabet, including letters only Unicode case mapping turns into ASCII.
    for (const QString &bad :
         {QStringLiteral("M0"), QStringLiteral("M1"), QStringLiteral("M8"), QStringLiteral("M="),
          QStringLiteral("M "), QStringLiteral(u"M\u0131"), QStringLiteral(u"\u017FY")})
        QVERIFY2(!base32Decode(bad, 1), qPrintable(bad));
    // The link code's size: 10 bytes are 16 characters.
    const SecretBytes link = SecretBytes::random(10);
    QCOMPARE(base32Encode(link).size(), 16);
    QVERIFY(base32Decode(base32Encode(link), 10)->equals(link));
}

void TestCryptoKeySuccession::recoveryKeyRoundTrip() {
    const SecretBytes r = newRecoverySecret();
    QCOMPARE(r.size(), kRecoverySecretSize);
    const QString text = encodeRecoveryKey(r);
    QCOMPARE(text.size(), 56 + 13);
    const QStringList groups = text.split(QLatin1Char('-'));
    QCOMPARE(groups.size(), 14);
    for (const QString &g : groups)
        QCOMPARE(g.size(), 4);
    auto back = decodeRecoveryKey(text);
    QVERIFY(back.ok());
    QVERIFY(back->equals(r));
    // The spellings people type or paste: lower case, spaces instead of dashes, none, a newline.
    for (QString spelling :
         {text.toLower(), QString(text).replace(QLatin1Char('-'), QLatin1Char(' ')),
          QString(text).remove(QLatin1Char('-')),
          QStringLiteral("  ") + text.left(20).toLower() + QStringLiteral(" - ") + text.mid(20) +
              QStringLiteral("\n")}) {
        auto d = decodeRecoveryKey(spelling);
        QVERIFY2(d.ok(), qPrintable(spelling));
        QVERIFY(d->equals(r));
    }
    QCOMPARE(encodeRecoveryKey(SecretBytes::random(31)), QString());
}

void TestCryptoKeySuccession::recoveryKeyTyposRefused() {
    const QString text = encodeRecoveryKey(countingSecret());
    // One character changed anywhere: the check (or the pad-free length) catches it.
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('-'))
            continue;
        QString typo = text;
        typo[i] = text.at(i) == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
        auto d = decodeRecoveryKey(typo);
        QVERIFY2(!d.ok(), qPrintable(typo));
        QCOMPARE(cryptoErrorOf(d.error()), CryptoError::Malformed);
    }
    // Two characters swapped, a group left out or doubled, a character added or missing.
    QString swapped = text;
    std::swap(swapped[0], swapped[1]);
    QVERIFY(swapped == text || !decodeRecoveryKey(swapped).ok());
    for (const QString &bad : {text.mid(5), text + QStringLiteral("-") + text.left(4),
                               text.chopped(1), text + QLatin1Char('A'), QString()}) {
        auto d = decodeRecoveryKey(bad);
        QVERIFY2(!d.ok(), qPrintable(bad));
        QCOMPARE(cryptoErrorOf(d.error()), CryptoError::Malformed);
    }
    // Characters outside the alphabet (0, 1, 8, 9 are not base32; no other separators).
    for (const char *c : {"0", "1", "8", "_", ".", "="}) {
        QString bad = text;
        bad[0] = QLatin1Char(c[0]);
        QCOMPARE(cryptoErrorOf(decodeRecoveryKey(bad).error()), CryptoError::Malformed);
    }
}

void TestCryptoKeySuccession::recoverySigningKeyKnownAnswer() {
    const SecretBytes r = countingSecret();
    // Cross-checked outside this code base (Python): the check with hashlib.sha256, the text
    // with base64.b32encode, the seed with an HKDF written on hmac, and the public key of that
    // seed from both the cryptography package's Ed25519 and libsodium through ctypes.
    QCOMPARE(
        encodeRecoveryKey(r),
        QStringLiteral("AEBA-GBAF-AYDQ-QCIK-BMGA-2DQP-CAIR-EEYU-CULB-OGAZ-DINR-YHI6-D4QC-MNNN"));
    auto rsk = recoverySigningKey(r);
    QVERIFY(rsk.ok());
    QCOMPARE(rsk->publicKey.toHex(),
             QByteArray("d21261c14205dd71a5f66a7cec1c1664e9f5abc6248c1f9595c9eaea2f15e9e0"));
    QCOMPARE(recoverySigningKey(r)->publicKey, rsk->publicKey); // deterministic
    QCOMPARE(cryptoErrorOf(recoverySigningKey(SecretBytes::random(16)).error()),
             CryptoError::BadKey);
}

QTEST_GUILESS_MAIN(TestCryptoKeySuccession)
#include "test_crypto_key_succession.moc"
