//! A state's JSON cut into blocks without parsing them: each top-level member's raw value, and
//! each element of `resources` on its own.
//!
//! Why: serde_json reading from a stream goes byte by byte through the reader (about 35 MB/s on
//! a real state), while parsing a slice in memory is several times faster. Cutting the stream
//! into one block per resource lets each be parsed as a slice, and only a few resources' text
//! (plus one read buffer) is ever held, so a 1 GB state costs its parsed resources, not its text.
//!
//! The cutter only tells where values end (strings, escapes, nesting); it does not check that a
//! block is valid JSON: serde does that when the block is parsed. Any file it cannot cut is
//! [`Refused`], and the caller reads it the slow way, which names the exact cause and position.

use std::io::Read;

/// This file is not one the fast path reads; the slow path says why.
#[derive(Debug)]
pub struct Refused;

impl From<std::io::Error> for Refused {
    fn from(_: std::io::Error) -> Self {
        Refused
    }
}

impl From<serde_json::Error> for Refused {
    fn from(_: serde_json::Error) -> Self {
        Refused
    }
}

/// Bytes asked of the reader at a time.
const READ: usize = 1 << 20;
/// A member value nested deeper than this is refused: serde_json's limit is 128 levels from the
/// top, and a member already sits one deep, so a value nested deeper is one the slow path judges.
const MAX_DEPTH: usize = 125;

/// Walks the top-level object from `reader`: `member(key, raw)` for every member but
/// `resources`, and `resource(raw)` for each element of its array, in order. Each is given the
/// value's whole text, cut by the scanner below, so it can be parsed here or handed to another
/// thread ([`crate::terraform::state`] shares a large state's resources between two).
pub fn walk<R: Read>(
    reader: R,
    mut member: impl FnMut(&str, &[u8]) -> Result<(), Refused>,
    mut resource: impl FnMut(&[u8]) -> Result<(), Refused>,
) -> Result<(), Refused> {
    let mut w = Window::new(reader);
    w.expect(b'{')?;
    let mut seen_resources = false;
    if w.peek()? != Some(b'}') {
        loop {
            let key_len = w.value_len()?;
            let key = key_text(w.block(key_len))?.to_owned();
            w.advance(key_len);
            w.expect(b':')?;
            if key == "resources" && w.peek()? == Some(b'[') {
                // Twice is an error serde reports ("duplicate field"): leave it to the slow path.
                if std::mem::replace(&mut seen_resources, true) {
                    return Err(Refused);
                }
                w.advance(1);
                if w.peek()? != Some(b']') {
                    loop {
                        let len = w.value_len()?;
                        resource(w.block(len))?;
                        w.advance(len);
                        if !w.separator(b']')? {
                            break;
                        }
                    }
                } else {
                    w.advance(1);
                }
            } else {
                let len = w.value_len()?;
                member(&key, w.block(len))?;
                w.advance(len);
            }
            if !w.separator(b'}')? {
                break;
            }
        }
    } else {
        w.advance(1);
    }
    // Nothing but whitespace may follow the object.
    match w.peek()? {
        None => Ok(()),
        Some(_) => Err(Refused),
    }
}

/// A key's text, when it is a plain string (keys with escapes are not a state's: refused).
fn key_text(raw: &[u8]) -> Result<&str, Refused> {
    match raw {
        [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => std::str::from_utf8(inner).map_err(|_| Refused),
        _ => Err(Refused),
    }
}

/// A sliding window over the reader: `buf[pos..end]` is read and not yet consumed; every byte in
/// it up to `checked` is valid UTF-8 (a character cut by the read may follow).
struct Window<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    checked: usize,
    eof: bool,
}

impl<R: Read> Window<R> {
    fn new(reader: R) -> Self {
        Window { reader, buf: vec![0; READ], pos: 0, end: 0, checked: 0, eof: false }
    }

    /// Reads more, keeping `buf[pos..end]`; returns how far that data moved down (to subtract
    /// from indices into it), or `None` at the end of the input.
    fn fill(&mut self) -> Result<Option<usize>, Refused> {
        if self.eof {
            return Ok(None);
        }
        let shift = self.pos;
        self.buf.copy_within(self.pos..self.end, 0);
        (self.end, self.checked, self.pos) = (self.end - shift, self.checked - shift, 0);
        if self.buf.len() - self.end < READ / 2 {
            // One block bigger than the buffer: grow it (a resource is at most a few megabytes).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            self.eof = true;
            // A character the file cut off is not UTF-8.
            return if self.checked == self.end { Ok(None) } else { Err(Refused) };
        }
        self.end += n;
        self.checked += match std::str::from_utf8(&self.buf[self.checked..self.end]) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Err(Refused),
        };
        Ok(Some(shift))
    }

    /// The next byte that is not whitespace, left unconsumed; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>, Refused> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            if self.fill()?.is_none() {
                return Ok(None);
            }
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Refused> {
        if self.peek()? != Some(byte) {
            return Err(Refused);
        }
        self.pos += 1;
        Ok(())
    }

    /// After a value: `,` (true, another follows) or `close` (false, the container ended).
    fn separator(&mut self, close: u8) -> Result<bool, Refused> {
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                // `[1,]` is not JSON.
                if matches!(self.peek()?, Some(b']' | b'}')) {
                    return Err(Refused);
                }
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(Refused),
        }
    }

    fn block(&self, len: usize) -> &[u8] {
        &self.buf[self.pos..self.pos + len]
    }

    fn advance(&mut self, len: usize) {
        self.pos += len;
    }

    /// The length of the value starting at the next non-whitespace byte (which becomes `pos`),
    /// reading until it is all in the window.
    fn value_len(&mut self) -> Result<usize, Refused> {
        let first = self.peek()?.ok_or(Refused)?;
        let mut i = self.pos + 1;
        let mut depth = 0usize;
        let mut in_string = false;
        match first {
            b'{' | b'[' => depth = 1,
            b'"' => in_string = true,
            b']' | b'}' | b',' | b':' => return Err(Refused),
            _ => {}
        }
        let scalar = depth == 0 && !in_string;
        loop {
            if i >= self.end {
                match self.fill()? {
                    Some(shift) => i -= shift,
                    // A number or literal may end with the file; nothing else may.
                    None if scalar => return Ok(i - self.pos),
                    None => return Err(Refused),
                }
                continue;
            }
            if in_string {
                match memchr::memchr2(b'"', b'\\', &self.buf[i..self.end]) {
                    None => i = self.end,
                    Some(at) if self.buf[i + at] == b'\\' => {
                        // The escaped byte may be past the window: ask for it before skipping.
                        if i + at + 1 >= self.end {
                            i += at;
                            match self.fill()? {
                                Some(shift) => i -= shift,
                                None => return Err(Refused),
                            }
                            continue;
                        }
                        i += at + 2;
                    }
                    Some(at) => {
                        i += at + 1;
                        in_string = false;
                        if depth == 0 {
                            return Ok(i - self.pos);
                        }
                    }
                }
                continue;
            }
            let b = self.buf[i];
            if scalar {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(i - self.pos);
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(Refused);
                    }
                }
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i + 1 - self.pos);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a few bytes at a time, so every block is cut by the window at every place.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The members (key, raw value) and the resources cut from a text.
    type Cut = (Vec<(String, String)>, Vec<String>);

    fn cut(text: &[u8], step: usize) -> Result<Cut, Refused> {
        let (mut members, mut resources) = (Vec::new(), Vec::new());
        walk(
            Trickle(text, step),
            |k, v| {
                members.push((k.to_owned(), String::from_utf8(v.to_vec()).unwrap()));
                Ok(())
            },
            |raw| {
                resources.push(String::from_utf8(raw.to_vec()).unwrap());
                Ok(())
            },
        )?;
        Ok((members, resources))
    }

    #[test]
    fn members_and_resources_are_cut_whole_wherever_the_reads_end() {
        let text = r#" {"version": 4, "lineage" : "a\"b\\", "outputs": {"x": {"value": [1, "}"]}},
            "resources": [ {"type": "aws_vpc", "n": "caf\u00e9 \\\"{[" } , {"tags": {"Name": "Zürich 東京"}}, [12, true] ],
            "serial": -1.5e3 } "#
            .as_bytes();
        for step in [1, 2, 3, 7, 64, 1 << 20] {
            let (members, resources) = cut(text, step).unwrap();
            let keys: Vec<_> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
            assert_eq!(
                keys,
                [r#"version=4"#, r#"lineage="a\"b\\""#, r#"outputs={"x": {"value": [1, "}"]}}"#, "serial=-1.5e3"],
                "read {step} bytes at a time"
            );
            assert_eq!(
                resources,
                [
                    r#"{"type": "aws_vpc", "n": "caf\u00e9 \\\"{[" }"#,
                    r#"{"tags": {"Name": "Zürich 東京"}}"#,
                    "[12, true]"
                ]
            );
        }
        assert_eq!(cut(br#"{"resources": [], "version": 4}"#, 5).unwrap().1.len(), 0);
        assert_eq!(cut(br#"{}"#, 1).unwrap(), (vec![], vec![]));
        assert_eq!(cut(br#"{"version": 4}"#, 1).unwrap().0, [("version".to_owned(), "4".to_owned())]);
    }

    #[test]
    fn what_it_cannot_cut_is_refused() {
        let bad: [&[u8]; 14] = [
            b"",
            b"   ",
            b"[]",
            br#"{"version": 4"#,
            br#"{"version": 4,}"#,
            br#"{"resources": [{"a": 1},]}"#,
            br#"{"resources": [{"a": 1}"#,
            br#"{"resources": [{"a": "1}]}"#,
            br#"{"version" 4}"#,
            br#"{"version": 4} x"#,
            br#"{"resources": [], "resources": []}"#,
            br#"{"k\u0041": 1}"#,
            b"{\"version\": \"\xff\"}",
            b"{\"version\": \"\xc3",
        ];
        for text in bad {
            assert!(cut(text, 3).is_err(), "{:?} was cut", String::from_utf8_lossy(text));
        }
        let deep = format!(r#"{{"outputs": {}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(cut(deep.as_bytes(), 1 << 20).is_err());
    }

    #[test]
    fn a_block_larger_than_the_buffer_grows_it() {
        let big = format!(r#"{{"resources": [{{"blob": "{}"}}, {{"n": 1}}]}}"#, "x".repeat(3 * READ));
        let (_, resources) = cut(big.as_bytes(), READ).unwrap();
        assert_eq!(resources.len(), 2);
        assert_eq!(resources[0].len(), 3 * READ + 12);
    }
}
