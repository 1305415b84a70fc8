//! A file read line by line through its reader's own buffer, for the big files a check reads
//! front to back once (dpkg's `status`, the CA bundle): only a line that straddles two fills
//! of the buffer is copied, and the file is never held whole.

use std::io::{self, BufRead};

/// Hands each line of `reader` to `each`: split at `\n` (which is left out), the last one
/// even without a `\n` (but not an empty one after the final `\n`), each cut to at most
/// `max_line` bytes so that one huge line cannot take memory.
pub fn each_line(mut reader: impl BufRead, max_line: usize, mut each: impl FnMut(&[u8])) -> io::Result<()> {
    // The start of a line that straddles two fills of the buffer.
    let mut partial: Vec<u8> = Vec::new();
    let mut straddling = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            if straddling {
                each(&partial);
            }
            return Ok(());
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            let line = &chunk[start..end];
            if straddling {
                let room = max_line.saturating_sub(partial.len());
                partial.extend_from_slice(&line[..line.len().min(room)]);
                each(&partial);
                partial.clear();
                straddling = false;
            } else {
                each(&line[..line.len().min(max_line)]);
            }
            start = end + 1;
        }
        if start < chunk.len() {
            let room = max_line.saturating_sub(partial.len());
            let rest = &chunk[start..];
            partial.extend_from_slice(&rest[..rest.len().min(room)]);
            straddling = true;
        }
        let n = chunk.len();
        reader.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn collect(data: &[u8], buffer: usize, max_line: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        each_line(BufReader::with_capacity(buffer, data), max_line, |l| out.push(l.to_vec())).unwrap();
        out
    }

    #[test]
    fn lines_are_split_as_split_does_at_every_buffer_size() {
        let data = b"one\ntwo\r\n\n\nthree is longer than the buffer\nlast";
        let mut want: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        for buffer in 1..=data.len() + 1 {
            assert_eq!(collect(data, buffer, usize::MAX), want, "buffer {buffer}");
        }
        // A final `\n` gives no empty last line.
        let mut ended = data.to_vec();
        ended.push(b'\n');
        for buffer in [1, 3, 7, 64] {
            assert_eq!(collect(&ended, buffer, usize::MAX), want, "buffer {buffer}");
        }
        want.clear();
        assert_eq!(collect(b"", 8, usize::MAX), want);
        assert_eq!(collect(b"\n", 8, usize::MAX), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn long_lines_are_cut_wherever_the_buffer_splits_them() {
        let data = b"0123456789\nab\n0123456789abcdef";
        for buffer in 1..=data.len() + 1 {
            assert_eq!(
                collect(data, buffer, 4),
                [b"0123".to_vec(), b"ab".to_vec(), b"0123".to_vec()],
                "buffer {buffer}"
            );
        }
    }
}
