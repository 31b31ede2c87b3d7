// MediaService's expiry (the server's maintenance calls collect()): unfinished uploads a day
// after their creation, upload folders no row knows (a crash between creating the folder and
// recording it), and blobs no message can reach any more. The database decides what goes
// (tidings_media_collect); the files are deleted on the media thread pool; a finish that wants
// a blob whose old file is being deleted waits for that.
#include "services/media/media_service.h"

#include "core/clock.h"
#include "media/media_logging.h"
#include "services/media/media_errors.h"

#include <QDateTime>

namespace tidings::server {

using media::BlobId;
using media::UploadId;

void MediaService::collect(Reply<MediaCollection> done) {
    if (m_collectRunning)
        return done(MediaCollection{}); // the running one covers this one's work
    m_collectRunning = true;
    const qint64 now = m_clock.nowMs();
    auto finished = [this, done](Result<MediaCollection> r) {
        m_collectRunning = false;
        done(std::move(r));
    };
    m_store.collect(
        now, m_options.uploadExpiryHours, m_options.graceHours, m_options.retentionDays,
        m_options.collectBatch, [this, now, finished](Result<CollectedMedia> r) {
            if (!r)
                return finished(r.error());
            for (const QString &blob : std::as_const(r->blobs))
                m_collecting.try_emplace(blob);
            for (const QString &upload : std::as_const(r->uploads))
                m_owners.remove(upload);
            const QDateTime at = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
            using Removed = std::pair<int, QList<media::UploadInfo>>;
            background<Removed>(
                [this, uploads = r->uploads, at] {
                    int removed = 0;
                    for (const QString &id : uploads) {
                        const auto upload = UploadId::parse(id);
                        if (upload && m_blobs.cancel(*upload))
                            ++removed;
                    }
                    // Folders an hour old: anything younger may be a creation in progress.
                    return Removed{removed, m_blobs.staleUploads(std::chrono::hours(1), at)};
                },
                [this, blobs = r->blobs, finished](Removed removed) {
                    sweepOrphans(std::move(removed.second), [this, blobs, expired = removed.first,
                                                             finished](int orphans) {
                        deleteBlobs(blobs, [expired, orphans, finished](int deleted) {
                            if (expired + orphans + deleted > 0)
                                qCInfo(lcServerMedia)
                                    << "collected" << expired << "expired uploads," << orphans
                                    << "orphaned uploads," << deleted << "blobs";
                            finished(MediaCollection{expired + orphans, deleted});
                        });
                    });
                });
        });
}

void MediaService::sweepOrphans(QList<media::UploadInfo> stale, std::function<void(int)> done) {
    QStringList ids;
    for (const auto &u : stale) {
        if (!m_recentlyCreated.contains(u.id.text()))
            ids << u.id.text();
    }
    if (ids.isEmpty())
        return done(0);
    m_store.existingUploads(ids, [this, ids, done](Result<QStringList> known) {
        if (!known)
            return done(0); // next time
        QStringList orphans;
        for (const QString &id : ids) {
            if (!known->contains(id) && !m_recentlyCreated.contains(id))
                orphans << id;
        }
        if (orphans.isEmpty())
            return done(0);
        background<int>(
            [this, orphans] {
                int removed = 0;
                for (const QString &id : orphans) {
                    const auto upload = UploadId::parse(id);
                    if (upload && m_blobs.cancel(*upload))
                        ++removed;
                }
                return removed;
            },
            done);
    });
}

void MediaService::deleteBlobs(QStringList blobs, std::function<void(int)> done) {
    if (blobs.isEmpty())
        return done(0);
    background<QStringList>(
        [this, blobs] {
            QStringList gone;
            for (const QString &hex : blobs) {
                const auto blob = BlobId::fromHex(hex);
                if (!blob)
                    continue;
                const media::BlobStatus s = m_blobs.removeBlob(*blob);
                if (s || s.error().code == media::BlobErrorCode::NotFound)
                    gone << hex;
                else
                    qCWarning(lcServerMedia) << "cannot delete blob" << hex << s.error().detail;
            }
            return gone;
        },
        [this, blobs, done](QStringList gone) {
            // The old files are gone: finishes that waited for them may move their files in.
            // Their rows were taken back (not collecting any more), so forgetting keeps them.
            for (const QString &hex : blobs) {
                const auto it = m_collecting.find(hex);
                if (it == m_collecting.end())
                    continue;
                const auto waiting = std::move(it->second);
                m_collecting.erase(it);
                for (const auto &resume : waiting)
                    resume();
            }
            if (gone.isEmpty())
                return done(0);
            m_store.forgetBlobs(gone, [done, n = int(gone.size())](Result<QStringList> forgotten) {
                if (!forgotten)
                    qCWarning(lcServerMedia) << "collected blobs stay recorded until the next run";
                done(n);
            });
        });
}

} // namespace tidings::server
