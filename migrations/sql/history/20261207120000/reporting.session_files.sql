-- One row per recording or shared file of a session: what mluvii says about it, and what the
-- downloader did with it. The state a person needs comes first: a file we hold (stored) or
-- deleted (by retention or an erasure) says so; otherwise mluvii's "still processing" wins over an
-- older failure of ours; otherwise our gone/failed; otherwise what the payload says.
-- No guest personal data (docs/privacy.md): a file's name is the made-safe one of the copy, and
-- only while the copy is on disk; mluvii's own name (chosen by the guest) stays in core.
-- (No question mark in this file: knex reads one as a placeholder.)
CREATE VIEW reporting.session_files AS
SELECT
  f.session_id,
  f.file_key,
  f.kind,
  CASE WHEN d.state = 'stored' THEN regexp_replace(d.stored_path, '^(.*/){0,1}(recording|file)[-:][^-/]*-', '') END AS name,
  f.user_id,
  f.started_at,
  f.duration_s,
  f.recording_type,
  d.size_bytes,
  CASE WHEN d.state = 'stored' THEN d.sha256 END AS sha256,
  CASE WHEN d.state = 'stored' THEN d.stored_path END AS stored_path,
  CASE
    WHEN d.state IN ('stored', 'deleted') THEN d.state
    WHEN f.source_state = 'processing' THEN 'processing'
    WHEN d.state IS NOT NULL THEN d.state
    ELSE f.source_state
  END AS state,
  d.downloaded_at,
  CASE WHEN d.state = 'deleted' THEN coalesce(d.reason, 'files_retention') END AS deleted_reason
FROM core.session_files f
LEFT JOIN core.file_downloads d USING (session_id, file_key);

COMMENT ON VIEW reporting.session_files IS
  'One row per recording or file shared in a session (from the session''s recordings and its shared-file activities), with its download state: quality reviews, disputes and retention start here. Files are downloaded only when MLUVII_FILES_DIR is set. duration_s is exact like every duration (M-0.1 in docs/metrics.md).';
COMMENT ON COLUMN reporting.session_files.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.session_files.file_key IS 'Stable id of the file within the session: recording:<recording id> or file:<activity id of the shared file>.';
COMMENT ON COLUMN reporting.session_files.kind IS 'recording (an audio/video/screen recording) or file (a file shared in the chat).';
COMMENT ON COLUMN reporting.session_files.name IS 'The made-safe name of the copy on disk (letters, digits and ._()+- of the name mluvii gives), while the copy is stored; NULL otherwise. mluvii''s own name may be chosen by the guest: it is personal data and not shown (docs/privacy.md).';
COMMENT ON COLUMN reporting.session_files.user_id IS 'Operator the recording belongs to (recording_type Operator) or who shared the file; NULL for guests and whole-session recordings.';
COMMENT ON COLUMN reporting.session_files.started_at IS 'Recordings: when the recording started. Files: when the file was shared.';
COMMENT ON COLUMN reporting.session_files.duration_s IS 'Recordings: length in seconds, exact to the millisecond (from mluvii''s ISO 8601 duration). NULL for files.';
COMMENT ON COLUMN reporting.session_files.recording_type IS 'Recordings: Operator, Guest, AllParticipants, ScreenSharing or Other. NULL for files.';
COMMENT ON COLUMN reporting.session_files.size_bytes IS 'Size in bytes of the downloaded copy; NULL until it is stored. For too_large: the size the server announced, or the bytes received when the download was stopped.';
COMMENT ON COLUMN reporting.session_files.sha256 IS 'SHA-256 (hex) of the downloaded copy, computed while downloading; NULL unless the copy is stored.';
COMMENT ON COLUMN reporting.session_files.stored_path IS 'Path of the copy relative to MLUVII_FILES_DIR: <day in the reporting time zone>/<session_id>/<kind>-<id>-<safe name>, portable to any file system (no colons, no reserved names). NULL unless the copy is stored (it holds the made-safe file name).';
COMMENT ON COLUMN reporting.session_files.state IS 'available (can be downloaded), processing (mluvii is still processing the recording; tried again by the next run), stored (the copy is on disk), failed (could not be downloaded, or mluvii failed to process it; the reason is in etl status; tried again by files --retry-failed), gone (mluvii no longer has it: deleted, or HTTP 404), unavailable (can never be downloaded as mluvii gives it, e.g. an address on another host without a signature; not tried again), too_large (larger than MLUVII_MAX_FILE_BYTES; tried again only once the limit is raised), deleted (the copy was removed, or will never be downloaded: see deleted_reason; the row stays).';
COMMENT ON COLUMN reporting.session_files.downloaded_at IS 'When the copy was stored.';
COMMENT ON COLUMN reporting.session_files.deleted_reason IS 'For state deleted, why: files_retention (FILES_RETENTION removed the copy), anonymized (mluvii anonymized the session), retention (RAW_RETENTION removed the session''s personal data), request (erased on request: mluvii-etl forget). NULL otherwise.';
