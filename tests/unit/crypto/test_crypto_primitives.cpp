// Known-answer and failure tests for shared/crypto/primitives and SecretBytes: RFC 5869 HKDF
// A.1–A.3 on crypto_auth_hmacsha256, RFC 7748 X25519 §5.2 and §6.1, low-order points rejected,
// Ed25519 and XChaCha20-Poly1305 reject every flipped bit, SecretBytes wipes and never shares.
#include "test_helpers.h"

#include "crypto/primitives.h"

#include <QTest>

#include <sodium.h>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

class TestCryptoPrimitives : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(ensureSodium()); }

    void hkdfRfc5869_data();
    void hkdfRfc5869();
    void hkdfRejectsBadLengths();
    void x25519Rfc7748Section52();
    void x25519Rfc7748Iterated();
    void x25519Rfc7748Section61();
    void x25519RejectsLowOrderPoints();
    void ed25519SignVerifyAndTamper();
    void aeadRoundTripAndTamper();
    void secretBytesMoveCloneWipe();
    void secretWriterReader();
    void cryptoErrorRoundTrip();
};

void TestCryptoPrimitives::hkdfRfc5869_data() {
    QTest::addColumn<QByteArray>("ikm");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<QByteArray>("info");
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("prk");
    QTest::addColumn<QByteArray>("okm");
    QByteArray ikm2, salt2, info2;
    for (int i = 0; i < 80; ++i) {
        ikm2.append(char(i));
        salt2.append(char(0x60 + i));
        info2.append(char(0xb0 + i));
    }
    QTest::newRow("A.1") << QByteArray(22, 0x0b) << hex("000102030405060708090a0b0c")
                         << hex("f0f1f2f3f4f5f6f7f8f9") << 42
                         << hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
                         << hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                                "34007208d5b887185865");
    QTest::newRow("A.2") << ikm2 << salt2 << info2 << 82
                         << hex("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244")
                         << hex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                                "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                                "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    QTest::newRow("A.3") << QByteArray(22, 0x0b) << QByteArray() << QByteArray() << 42
                         << hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
                         << hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                                "9d201395faa4b61a96c8");
}

void TestCryptoPrimitives::hkdfRfc5869() {
    QFETCH(QByteArray, ikm);
    QFETCH(QByteArray, salt);
    QFETCH(QByteArray, info);
    QFETCH(int, length);
    QFETCH(QByteArray, prk);
    QFETCH(QByteArray, okm);
    const SecretBytes p = hkdfExtract(salt, ikm);
    QCOMPARE(toHex(p), prk.toHex());
    QCOMPARE(toHex(hkdfExpand(p, info, std::size_t(length))), okm.toHex());
    QCOMPARE(toHex(hkdf(salt, ikm, info, std::size_t(length))), okm.toHex());
}

void TestCryptoPrimitives::hkdfRejectsBadLengths() {
    const SecretBytes prk = SecretBytes::random(32);
    QVERIFY(hkdfExpand(prk, QByteArray("x"), 0).isEmpty());
    QVERIFY(hkdfExpand(prk, QByteArray("x"), 255 * 32 + 1).isEmpty());
    QCOMPARE(hkdfExpand(prk, QByteArray("x"), 255 * 32).size(), std::size_t(255 * 32));
}

void TestCryptoPrimitives::x25519Rfc7748Section52() {
    auto r1 = x25519(secretHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                     hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
    QVERIFY(r1.ok());
    QCOMPARE(toHex(*r1),
             QByteArray("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
    // Vector 2 has the top bit of u set: X25519 must mask it.
    auto r2 = x25519(secretHex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                     hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
    QVERIFY(r2.ok());
    QCOMPARE(toHex(*r2),
             QByteArray("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
}

void TestCryptoPrimitives::x25519Rfc7748Iterated() {
    QByteArray k = hex("0900000000000000000000000000000000000000000000000000000000000000");
    QByteArray u = k;
    for (int i = 1; i <= 1000; ++i) {
        auto r = x25519(SecretBytes::fromRaw(k.constData(), 32), u);
        QVERIFY(r.ok());
        u = k;
        k = toQByteArray(*r);
        if (i == 1)
            QCOMPARE(
                k.toHex(),
                QByteArray("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
    }
    QCOMPARE(k.toHex(),
             QByteArray("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
}

void TestCryptoPrimitives::x25519Rfc7748Section61() {
    auto alice = X25519KeyPair::fromSecret(
        secretHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob = X25519KeyPair::fromSecret(
        secretHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    QVERIFY(alice.ok() && bob.ok());
    QCOMPARE(alice->publicKey.toHex(),
             QByteArray("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    QCOMPARE(bob->publicKey.toHex(),
             QByteArray("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    const QByteArray shared("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    QCOMPARE(toHex(*x25519(alice->secretKey, bob->publicKey)), shared);
    QCOMPARE(toHex(*x25519(bob->secretKey, alice->publicKey)), shared);
}

void TestCryptoPrimitives::x25519RejectsLowOrderPoints() {
    // The small-order points of Curve25519 (and their non-canonical encodings): DH with them
    // yields all zeros, a secret the attacker knows.
    const char *lowOrder[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    const X25519KeyPair kp = X25519KeyPair::generate();
    for (const char *p : lowOrder) {
        auto r = x25519(kp.secretKey, hex(p));
        QVERIFY2(!r.ok(), p);
        QCOMPARE(cryptoErrorOf(r.error()), CryptoError::LowOrderPoint);
    }
    QCOMPARE(cryptoErrorOf(x25519(kp.secretKey, QByteArray(31, 9)).error()), CryptoError::BadKey);
    // Non-canonical encodings (top bit set, or u >= p) are refused at every parser.
    QVERIFY(isCanonicalX25519Public(kp.publicKey));
    QByteArray high = kp.publicKey;
    high[31] = char(high[31] | 0x80);
    QVERIFY(!isCanonicalX25519Public(high));
    QVERIFY(!isCanonicalX25519Public(
        hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
    QVERIFY(!isCanonicalX25519Public(
        hex("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
    QVERIFY(isCanonicalX25519Public(
        hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
}

void TestCryptoPrimitives::ed25519SignVerifyAndTamper() {
    const Ed25519KeyPair kp = Ed25519KeyPair::generate();
    const QByteArray msg("device list v7");
    const QByteArray sig = ed25519Sign(kp.secretKey, msg);
    QCOMPARE(sig.size(), qsizetype(kSignatureSize));
    QVERIFY(ed25519Verify(kp.publicKey, msg, sig));
    for (qsizetype bit = 0; bit < sig.size() * 8; ++bit)
        QVERIFY(!ed25519Verify(kp.publicKey, msg, flipBit(sig, bit)));
    for (qsizetype bit = 0; bit < msg.size() * 8; ++bit)
        QVERIFY(!ed25519Verify(kp.publicKey, flipBit(msg, bit), sig));
    QVERIFY(!ed25519Verify(Ed25519KeyPair::generate().publicKey, msg, sig));
    // Deterministic from a seed (RFC 8032 §7.1 test 1 public key).
    auto fromSeed = Ed25519KeyPair::fromSeed(
        secretHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    QVERIFY(fromSeed.ok());
    QCOMPARE(fromSeed->publicKey.toHex(),
             QByteArray("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    QCOMPARE(ed25519Sign(fromSeed->secretKey, QByteArray()).toHex(),
             QByteArray("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
}

void TestCryptoPrimitives::aeadRoundTripAndTamper() {
    const SecretBytes key = SecretBytes::random(32);
    const QByteArray ad("header"), pt("attack at dawn");
    const QByteArray sealed = aeadSeal(key, ad, pt);
    QCOMPARE(sealed.size(), qsizetype(kNonceSize + pt.size() + kTagSize));
    QCOMPARE(*aeadOpen(key, ad, sealed), pt);
    QCOMPARE(toQByteArray(*aeadOpenSecret(key, ad, sealed)), pt);
    // Random nonces: the same plaintext never gives the same ciphertext.
    QVERIFY(aeadSeal(key, ad, pt) != sealed);
    for (qsizetype bit = 0; bit < sealed.size() * 8; ++bit) {
        auto r = aeadOpen(key, ad, flipBit(sealed, bit));
        QVERIFY(!r.ok());
        QCOMPARE(cryptoErrorOf(r.error()), CryptoError::DecryptFailed);
    }
    for (qsizetype bit = 0; bit < ad.size() * 8; ++bit)
        QVERIFY(!aeadOpen(key, flipBit(ad, bit), sealed).ok());
    QVERIFY(!aeadOpen(SecretBytes::random(32), ad, sealed).ok());
    QVERIFY(!aeadOpen(key, ad, sealed.left(39)).ok());
    QVERIFY(aeadOpenSecret(key, ad, aeadSeal(key, ad, QByteArray())).ok());
}

void TestCryptoPrimitives::secretBytesMoveCloneWipe() {
    SecretBytes a = SecretBytes::random(32);
    QCOMPARE(a.size(), std::size_t(32));
    const std::uint8_t *p = a.data();
    SecretBytes b = std::move(a);
    QVERIFY(a.isEmpty() && a.data() == nullptr);
    QCOMPARE(b.data(), p); // moved, not copied
    SecretBytes c = b.clone();
    QVERIFY(c.data() != b.data());
    QVERIFY(c.equals(b));
    c.data()[0] ^= 1;
    QVERIFY(!c.equals(b));
    QVERIFY(b.makeReadOnly());
    QVERIFY(b.makeReadWrite());
    b.data()[0] = 7;
    QVERIFY(b.makeReadOnly());
    b.clear(); // wipes a read-only buffer without faulting
    QVERIFY(b.isEmpty());
    QVERIFY(SecretBytes::random(32).equals(SecretBytes::random(32)) == false);
    // Small secrets come from the guarded slab pool; big ones and read-only ones stand alone.
    SecretBytes small = SecretBytes::random(32);
    QVERIFY(small.isPooledForTest());
    QVERIFY(SecretBytes::random(1000).isPooledForTest());
    QVERIFY(!SecretBytes::random(16 * 1024 + 1).isPooledForTest());
    const SecretBytes copy = small.clone();
    QVERIFY(small.makeReadOnly());
    QVERIFY(!small.isPooledForTest());
    QVERIFY(small.equals(copy));
    SecretBytes r = SecretBytes::fromRaw("abc", 3);
    QVERIFY(r.resize(64));
    QCOMPARE(QByteArray(r.constChar(), 3), QByteArray("abc"));
    QCOMPARE(r.data()[63], std::uint8_t(0));
}

void TestCryptoPrimitives::secretWriterReader() {
    SecretWriter w;
    w.putU8(1);
    w.putU32(0xdeadbeef);
    w.putU64(0x0102030405060708ULL);
    w.putBlob(QByteArray(1000, 'x'));
    const SecretBytes blob = w.take();
    QCOMPARE(blob.size(), std::size_t(1 + 4 + 8 + 4 + 1000));
    ByteReader r(blob);
    QCOMPARE(r.getU8(), std::uint8_t(1));
    QCOMPARE(r.getU32(), 0xdeadbeefU);
    QCOMPARE(r.getU64(), 0x0102030405060708ULL);
    QCOMPARE(r.getBlob(1000), QByteArray(1000, 'x'));
    QVERIFY(r.ok() && r.atEnd());
    ByteReader tooLong(blob);
    tooLong.getRaw(13);
    tooLong.getBlob(999); // over the limit
    QVERIFY(!tooLong.ok());
    ByteReader truncated(blob.data(), 10);
    truncated.getU8();
    truncated.getU32();
    truncated.getU64();
    QVERIFY(!truncated.ok());
}

void TestCryptoPrimitives::cryptoErrorRoundTrip() {
    const Error e = makeError(CryptoError::BadSignature, QStringLiteral("spk"));
    QCOMPARE(e.code, ErrorCode::Forbidden);
    QCOMPARE(cryptoErrorOf(e), CryptoError::BadSignature);
    QCOMPARE(makeError(CryptoError::DecryptFailed).code, ErrorCode::BadFrame);
    QCOMPARE(cryptoErrorOf(makeError(CryptoError::DecryptFailed)), CryptoError::DecryptFailed);
    QCOMPARE(cryptoErrorOf(Error{ErrorCode::BadFrame, QStringLiteral("x"), 0}), CryptoError::None);
}

QTEST_GUILESS_MAIN(TestCryptoPrimitives)
#include "test_crypto_primitives.moc"
