#include "core/secrets/profile_secrets.h"

#include "core/logging.h"
#include "core/secrets/master_key.h"

namespace tidings::client {

struct ProfileSecretsLoader::State {
    explicit State(AsyncSecretStore &s)
        : store(s) {}
    AsyncSecretStore &store;
    Handler done;
    bool running = false;
    bool cancelled = false;
    ProfileSecrets secrets;

    void finish(Result<ProfileSecrets> result) {
        running = false;
        Handler handler = std::move(done);
        done = nullptr;
        if (handler && !cancelled)
            handler(std::move(result));
    }
};

namespace {

void readToken(const std::shared_ptr<ProfileSecretsLoader::State> &state);

void writeMasterKey(const std::shared_ptr<ProfileSecretsLoader::State> &state) {
    auto key = newMasterKey();
    if (!key) {
        state->finish(key.error());
        return;
    }
    state->secrets.masterKey = std::move(*key);
    state->secrets.masterKeyCreated = true;
    state->store.writeAsync(kMasterKeyKey, state->secrets.masterKey, [state](Status written) {
        if (state->cancelled) {
            // The user chose another store meanwhile: take the unused key out again.
            if (written)
                state->store.removeAsync(kMasterKeyKey, [](Status removed) {
                    if (!removed)
                        qCWarning(lcStore)
                            << "cannot remove an unused master key:" << removed.error().toString();
                });
            return;
        }
        if (!written) {
            state->finish(written.error());
            return;
        }
        readToken(state);
    });
}

void readToken(const std::shared_ptr<ProfileSecretsLoader::State> &state) {
    state->store.readAsync(kDeviceTokenKey, [state](Result<crypto::SecretBytes> token) {
        if (state->cancelled)
            return;
        if (!token) {
            state->finish(token.error());
            return;
        }
        state->secrets.deviceToken = std::move(*token);
        state->finish(std::move(state->secrets));
    });
}

} // namespace

ProfileSecretsLoader::ProfileSecretsLoader(AsyncSecretStore &store)
    : m_state(std::make_shared<State>(store)) {}

ProfileSecretsLoader::~ProfileSecretsLoader() {
    cancel();
}

void ProfileSecretsLoader::start(Handler done) {
    cancel();
    // A fresh state per attempt: answers of an earlier, cancelled attempt see their own state.
    m_state = std::make_shared<State>(m_state->store);
    m_state->done = std::move(done);
    m_state->running = true;
    auto state = m_state;
    state->store.readAsync(kMasterKeyKey, [state](Result<crypto::SecretBytes> stored) {
        if (state->cancelled)
            return;
        if (!stored) {
            state->finish(stored.error());
            return;
        }
        if (stored->isEmpty()) {
            writeMasterKey(state);
            return;
        }
        if (auto s = checkMasterKey(*stored); !s) {
            state->finish(s.error());
            return;
        }
        state->secrets.masterKey = std::move(*stored);
        readToken(state);
    });
}

void ProfileSecretsLoader::cancel() {
    if (!m_state->running)
        return;
    m_state->cancelled = true;
    m_state->running = false;
    m_state->done = nullptr;
}

bool ProfileSecretsLoader::isRunning() const {
    return m_state->running;
}

} // namespace tidings::client
