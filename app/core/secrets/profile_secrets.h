#pragma once
// The secrets a profile needs for a whole session, read once when it opens: the local master key
// (created and stored on first use) and the device token. The desktop app reads them through the
// asynchronous interface, so a keyring that first asks the user for a password (a new keyring,
// a locked one) is simply waited for; afterwards nothing reads the keyring again (SessionSecrets).
#include "core/secrets/secret_store.h"
#include "crypto/secret_bytes.h"
#include "protocol/result.h"

#include <functional>
#include <memory>

namespace tidings::client {

struct ProfileSecrets {
    crypto::SecretBytes masterKey;
    //! Empty while the profile has no account.
    crypto::SecretBytes deviceToken;
    //! The master key was made and stored by this read (the profile is new to this store).
    bool masterKeyCreated = false;
};

class ProfileSecretsLoader {
public:
    using Handler = std::function<void(Result<ProfileSecrets>)>;

    //! `store` must outlive every answer it gives (AsyncSecretStore promises no answer after its
    //! destruction, so destroying the store first is fine).
    explicit ProfileSecretsLoader(AsyncSecretStore &store);
    ~ProfileSecretsLoader();
    ProfileSecretsLoader(const ProfileSecretsLoader &) = delete;
    ProfileSecretsLoader &operator=(const ProfileSecretsLoader &) = delete;

    //! Reads the master key (creating and writing one when absent), then the token. `done` runs
    //! once, possibly before start() returns (stores that answer at once).
    void start(Handler done);
    //! Stops without an answer. A master key whose write is already on its way is removed again
    //! if that write succeeds: nothing is left in a keyring the user turned away from.
    void cancel();
    bool isRunning() const;

    //! One attempt's progress, shared with the store's pending callbacks (internal).
    struct State;

private:
    std::shared_ptr<State> m_state;
};

} // namespace tidings::client
