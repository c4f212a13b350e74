//! ETags computed while streaming, the way S3 computes them for uploads in `PART_SIZE`
//! parts: the MD5 of the content when it fits in one part, else the MD5 of the parts'
//! MD5s followed by `-N`. The same content gets the same ETag on every backend, which is
//! what lets `files copy` skip files that are already there.

use md5::{Digest, Md5};

use super::PART_SIZE;

#[derive(Default)]
pub struct EtagHasher {
    part: Md5,
    part_len: usize,
    part_digests: Vec<u8>,
    parts: usize,
}

impl EtagHasher {
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (PART_SIZE - self.part_len).min(bytes.len());
            self.part.update(&bytes[..take]);
            self.part_len += take;
            bytes = &bytes[take..];
            if self.part_len == PART_SIZE {
                self.finish_part();
            }
        }
    }

    fn finish_part(&mut self) {
        let digest = std::mem::take(&mut self.part).finalize();
        self.part_digests.extend_from_slice(&digest);
        self.parts += 1;
        self.part_len = 0;
    }

    pub fn finish(mut self) -> String {
        if self.part_len > 0 || self.parts == 0 {
            self.finish_part();
        }
        if self.parts == 1 {
            return hex::encode(&self.part_digests);
        }
        format!("{}-{}", hex::encode(Md5::digest(&self.part_digests)), self.parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_content_gets_its_md5() {
        let mut h = EtagHasher::default();
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(EtagHasher::default().finish(), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn multipart_content_gets_the_s3_multipart_etag_however_it_is_chunked() {
        let data: Vec<u8> = (0..PART_SIZE * 2 + 10).map(|i| (i % 251) as u8).collect();
        let expected = {
            let digests: Vec<u8> = data.chunks(PART_SIZE).flat_map(|p| Md5::digest(p).to_vec()).collect();
            format!("{}-3", hex::encode(Md5::digest(&digests)))
        };
        for chunk in [1000, 65536, PART_SIZE, PART_SIZE + 1] {
            let mut h = EtagHasher::default();
            data.chunks(chunk).for_each(|c| h.update(c));
            assert_eq!(h.finish(), expected, "chunk {chunk}");
        }
        let mut exact = EtagHasher::default();
        exact.update(&data[..PART_SIZE]);
        assert_eq!(exact.finish(), hex::encode(Md5::digest(&data[..PART_SIZE])));
    }
}
