#pragma once
// What the key directory needs from storage. Key work for one user runs on the shard of that
// user id, so uploads, fetches and list publications of one user are ordered.
#include "services/keys/keys.h"

#include <QHash>
#include <QList>

#include <functional>

namespace tidings::server {

//! tidings_upload_keys's status.
enum class UploadStatus {
    Stored = 0,
    IdentityChanged = 1,    //!< DSK/DIK/AIK differ from what this device published before
    AccountKeyMismatch = 2, //!< the AIK is not the user's pinned one
    NeedsSignedPreKey = 3,  //!< the first upload lacks a signed prekey
};

struct UploadOutcome {
    UploadStatus status = UploadStatus::Stored;
    int stock = 0; //!< one-time prekeys now stored
};

//! tidings_publish_device_list's status.
enum class PublishStatus {
    Stored = 0,
    AccountKeyMismatch = 1,  //!< the AIK is not the pinned one
    StaleVersion = 2,        //!< not newer than the stored list
    ForeignDevice = 3,       //!< a listed device is not the user's, is revoked or has no keys
    KeysDiffer = 4,          //!< a listed device's DSK/DIK differ from the ones it published
    NotSuccessor = 6,        //!< the succession's old key is not the pinned one (lost a race)
    NotLinked = 7,           //!< a succession from a device not in the current list
    LastVersionMismatch = 8, //!< the succession does not continue the stored list's version
    TooManySuccessions = 9,  //!< 10 successions in 24 hours already
    PasswordRequired = 10,   //!< another recovery key without the verified password
};

//! tidings_recover_account's status.
enum class RecoveryStatus {
    Recovered = 0,
    NotCurrent = 3, //!< the old key or the embedded list is not the stored one
    TooMany = 4,    //!< 3 recoveries in 24 hours already
    BadKeys = 5,    //!< the caller published other keys before
    BadVersion = 6, //!< the new list is not the next version
};

struct RecoveryOutcome {
    RecoveryStatus status = RecoveryStatus::Recovered;
    std::vector<quint64> loggedOut;
};

//! A verified recovery, as the store takes it.
struct VerifiedRecovery {
    QByteArray oldKey;
    quint64 lastVersion = 0;
    QByteArray embeddedList;
    QByteArray accountKey;
    QByteArray succession;
    quint64 version = 0;
    QByteArray signedList;
    QByteArray recoveryKey;
    KeyUpload keys;
};

struct FetchedBundle {
    DeviceBundle bundle;
    int stock = 0;      //!< the device's one-time prekeys left
    bool taken = false; //!< this fetch took one of them
};

struct FetchedBundles {
    bool userKnown = false;
    SignedDeviceList deviceList;
    std::vector<FetchedBundle> bundles;
};

struct VerifiedDeviceList {
    quint64 version = 0;
    QByteArray blob;
    QByteArray accountKey;
    QByteArray recoveryKey; //!< the RSK the list names; empty: none
    quint64 callerDevice = 0;
    //! A succession (verified): its statement, old key and last version; empty statement: none.
    QByteArray succession;
    QByteArray oldKey;
    quint64 lastVersion = 0;
    std::vector<std::pair<quint64, QByteArray>> handoffs;
    bool passwordVerified = false;
    struct Device {
        quint64 deviceId = 0;
        QByteArray signingKey;
        QByteArray identityKey;
    };
    std::vector<Device> devices;
};

class KeyStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~KeyStore() = default;

    virtual void uploadKeys(quint64 userId, quint64 deviceId, const KeyUpload &upload,
                            int maxStoredOneTimePreKeys, Callback<UploadOutcome> cb) = 0;
    virtual void fetchBundles(quint64 userId, const std::vector<quint64> &deviceIds,
                              const QByteArray &knownAccountKey, Callback<FetchedBundles> cb) = 0;
    virtual void publishDeviceList(quint64 userId, const VerifiedDeviceList &list,
                                   Callback<PublishStatus> cb) = 0;
    //! Nothing: no such user. With the successions from knownAccountKey (may be empty).
    virtual void deviceList(quint64 userId, const QByteArray &knownAccountKey,
                            Callback<std::optional<SignedDeviceList>> cb) = 0;
    virtual void accountKeyHandoff(quint64 deviceId, Callback<AccountKeyHandoff> cb) = 0;
    virtual void recoverAccount(quint64 userId, quint64 deviceId, const VerifiedRecovery &recovery,
                                int maxStoredOneTimePreKeys, Callback<RecoveryOutcome> cb) = 0;
    //! The current (listed, not revoked) devices of each user, for the device directory.
    virtual void currentDevices(const std::vector<quint64> &userIds,
                                Callback<QHash<quint64, QList<quint64>>> cb) = 0;
};

} // namespace tidings::server
