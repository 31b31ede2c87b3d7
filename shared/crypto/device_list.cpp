#include "crypto/device_list.h"

#include <algorithm>

namespace tidings::crypto {

namespace {
constexpr char kMagic[] = "TDL";
constexpr std::uint8_t kFormatPlain = 1;
constexpr std::uint8_t kFormatWithRecoveryKey = 2;
constexpr char kDeviceListSigDomain[] = "TidingsDeviceListv1";
constexpr std::size_t kMaxBody =
    4 + 8 + 8 + 8 + kKeySize + 4 + DeviceList::kMaxDevices * (8 + 32 + 32);

bool isAllZero(const QByteArray &b) {
    return std::all_of(b.cbegin(), b.cend(), [](char c) { return c == 0; });
}

//! What format 2 can carry: 32 bytes, not the all-zero "none" that would give a second encoding.
bool isUsableRecoveryKey(const QByteArray &rsk) {
    return std::size_t(rsk.size()) == kKeySize && !isAllZero(rsk);
}
} // namespace

QByteArray DeviceList::encodeBody() const {
    QList<DeviceEntry> sorted = devices;
    std::sort(sorted.begin(), sorted.end(),
              [](const DeviceEntry &a, const DeviceEntry &b) { return a.deviceId < b.deviceId; });
    QByteArray out(kMagic);
    // Format 1 whenever there is no recovery key: those lists keep the bytes older clients read.
    out.append(char(recoveryKey.isEmpty() ? kFormatPlain : kFormatWithRecoveryKey));
    appendU64(out, userId);
    appendU64(out, version);
    appendU64(out, quint64(issuedAtMs));
    if (!recoveryKey.isEmpty())
        out += recoveryKey;
    appendU32(out, quint32(sorted.size()));
    for (const DeviceEntry &d : sorted) {
        appendU64(out, d.deviceId);
        out += d.dsk;
        out += d.dik;
    }
    return out;
}

Result<DeviceList> DeviceList::decodeBody(const QByteArray &body) {
    ByteReader r(body);
    const QByteArray magic = r.getRaw(3);
    const std::uint8_t format = r.getU8();
    if (magic != QByteArray(kMagic) || (format != kFormatPlain && format != kFormatWithRecoveryKey))
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("device list"));
    DeviceList l;
    l.userId = r.getU64();
    l.version = r.getU64();
    l.issuedAtMs = qint64(r.getU64());
    if (format == kFormatWithRecoveryKey) {
        l.recoveryKey = r.getRaw(kKeySize);
        // Zeros would mean "no key", which is format 1: refusing them keeps one encoding.
        if (r.ok() && !isUsableRecoveryKey(l.recoveryKey))
            return makeError(CryptoError::Malformed, QStringLiteral("all-zero recovery key"));
    }
    const quint32 n = r.getU32();
    if (n > quint32(kMaxDevices))
        return makeError(CryptoError::Malformed, QStringLiteral("too many devices"));
    for (quint32 i = 0; i < n && r.ok(); ++i) {
        DeviceEntry d;
        d.deviceId = r.getU64();
        d.dsk = r.getRaw(kKeySize);
        d.dik = r.getRaw(kKeySize);
        // One canonical encoding per list: strictly increasing ids, no duplicates.
        if (!l.devices.isEmpty() && d.deviceId <= l.devices.last().deviceId)
            return makeError(CryptoError::Malformed, QStringLiteral("device order"));
        l.devices.append(d);
    }
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("device list"));
    for (const DeviceEntry &d : l.devices)
        if (!isCanonicalX25519Public(d.dik))
            return makeError(CryptoError::BadKey, QStringLiteral("device identity key"));
    return l;
}

const DeviceEntry *DeviceList::find(quint64 deviceId) const {
    for (const DeviceEntry &d : devices)
        if (d.deviceId == deviceId)
            return &d;
    return nullptr;
}

std::optional<DeviceIdentity> DeviceList::identity(quint64 deviceId) const {
    const DeviceEntry *d = find(deviceId);
    if (!d)
        return std::nullopt;
    return DeviceIdentity{userId, d->deviceId, d->dsk, d->dik};
}

QByteArray signDeviceList(const DeviceList &list, const Ed25519KeyPair &aik) {
    // A key decodeBody() would refuse must not be signed: the list would be unreadable.
    if (!list.recoveryKey.isEmpty() && !isUsableRecoveryKey(list.recoveryKey))
        return {};
    const QByteArray body = list.encodeBody();
    const QByteArray sig = ed25519Sign(aik.secretKey, QByteArray(kDeviceListSigDomain) + body);
    if (sig.isEmpty())
        return {};
    QByteArray out;
    appendBlob(out, body);
    out += sig;
    return out;
}

Result<DeviceList> verifyDeviceList(const QByteArray &signedBlob, const QByteArray &aikPublic,
                                    quint64 expectedUserId, quint64 newestSeenVersion) {
    ByteReader r(signedBlob);
    const QByteArray body = r.getBlob(kMaxBody);
    const QByteArray sig = r.getRaw(kSignatureSize);
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("signed device list"));
    // The signature first: nothing of an unsigned body is looked at.
    if (!ed25519Verify(aikPublic, QByteArray(kDeviceListSigDomain) + body, sig))
        return makeError(CryptoError::BadSignature, QStringLiteral("device list"));
    auto list = DeviceList::decodeBody(body);
    if (!list)
        return list.error();
    if (list->userId != expectedUserId)
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("device list of another user"));
    if (list->version < newestSeenVersion) {
        qCWarning(lcCrypto) << "device list rollback refused for user" << list->userId << "version"
                            << list->version << "<" << newestSeenVersion;
        return makeError(
            CryptoError::Rollback,
            QStringLiteral("version %1 < %2").arg(list->version).arg(newestSeenVersion));
    }
    return list;
}

Status checkPinnedIdentity(const QByteArray &pinned, const QByteArray &presented) {
    if (std::size_t(presented.size()) != kKeySize)
        return makeError(CryptoError::BadKey, QStringLiteral("account key size"));
    if (!pinned.isEmpty() && !constantTimeEquals(pinned, presented))
        return makeError(CryptoError::IdentityMismatch, QStringLiteral("account key changed"));
    return {};
}

} // namespace tidings::crypto
