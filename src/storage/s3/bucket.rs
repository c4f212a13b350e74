//! Creating the bucket, for `S3_CREATE_BUCKET=true`: a development S3 server (docker-compose's)
//! starts empty, next to the app, so `anyport migrate` makes the bucket once it answers.

use std::time::{Duration, Instant};

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

use super::{S3Store, sdk_error};
use crate::storage::StoreError;

/// How long `migrate` waits for an S3 server that does not answer yet (a container starting).
pub(super) const SERVER_START_WAIT: Duration = Duration::from_secs(60);
const RETRY_EVERY: Duration = Duration::from_millis(500);

impl S3Store {
    /// Creates the bucket unless it exists; `None` when there was nothing to do.
    pub(super) async fn ensure_bucket(&self, wait: Duration) -> Result<Option<String>, StoreError> {
        let deadline = Instant::now() + wait;
        loop {
            match self.client.head_bucket().bucket(&self.bucket).send().await {
                Ok(_) => return Ok(None),
                Err(err) if err.raw_response().is_some_and(|r| r.status().as_u16() == 404) => break,
                Err(err) => match sdk_error(err, "HeadBucket") {
                    StoreError::Unavailable(_) if Instant::now() < deadline => tokio::time::sleep(RETRY_EVERY).await,
                    other => return Err(other),
                },
            }
        }
        let mut create = self.client.create_bucket().bucket(&self.bucket);
        // Outside us-east-1, S3 wants the region named again in the request body.
        if let Some(region) = self.client.config().region().map(|r| r.as_ref()).filter(|r| *r != "us-east-1") {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => Ok(Some(format!("bucket {} created", self.bucket))),
            // Another replica or a second `migrate` made it in between.
            Err(err) if err.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => Ok(None),
            Err(err) => Err(sdk_error(err, "CreateBucket")),
        }
    }
}
