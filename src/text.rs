//! Text files as the tools of every platform write them. Terraform, CloudTrail and HCL are UTF-8,
//! but a file's bytes are not always: Windows PowerShell 5 redirects (`terraform show -json
//! tfplan > plan.json`) as UTF-16 LE with a byte-order mark, and Notepad and some editors start
//! UTF-8 with one. A byte-order mark says which it is; without one, text is UTF-8.

use std::borrow::Cow;
use std::path::Path;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
const UTF16LE_BOM: &[u8] = b"\xff\xfe";
const UTF16BE_BOM: &[u8] = b"\xfe\xff";

/// The text in `bytes`, without its byte-order mark. `Err` is the byte offset of the first byte
/// that is not text in the encoding the file is in.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, usize> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|e| UTF8_BOM.len() + e.valid_up_to());
    }
    let unit: fn([u8; 2]) -> u16 = if bytes.starts_with(UTF16LE_BOM) {
        u16::from_le_bytes
    } else if bytes.starts_with(UTF16BE_BOM) {
        u16::from_be_bytes
    } else {
        return std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| e.valid_up_to());
    };
    let body = &bytes[2..];
    let units = body.chunks(2).map(|c| if c.len() == 2 { Some(unit([c[0], c[1]])) } else { None });
    let mut text = String::with_capacity(body.len() / 2);
    let mut offset = 2;
    for ch in char::decode_utf16(units.map_while(|u| u)) {
        match ch {
            Ok(c) => {
                text.push(c);
                offset += c.len_utf16() * 2;
            }
            Err(_) => return Err(offset),
        }
    }
    // An odd byte at the end is half a character: the file was cut short.
    if offset != bytes.len() {
        return Err(offset);
    }
    Ok(Cow::Owned(text))
}

/// Whether `start` (a file's first bytes) opens with a byte-order mark [`decode`] reads.
pub fn has_bom(start: &[u8]) -> bool {
    [UTF8_BOM, UTF16LE_BOM, UTF16BE_BOM].iter().any(|bom| start.starts_with(bom))
}

/// The bytes of `bytes` as UTF-8 without a byte-order mark, borrowed when they already are.
pub fn to_utf8(bytes: &[u8]) -> Result<Cow<'_, [u8]>, usize> {
    Ok(match decode(bytes)? {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    })
}

/// Reads a text file, in whichever encoding [`decode`] takes. Bytes that are not text are an
/// `InvalidData` error saying where.
pub fn read(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    match decode(&bytes) {
        Ok(text) => Ok(text.into_owned()),
        Err(offset) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, not_text(offset))),
    }
}

/// What a file that is not text is told: the same words for every kind of input.
pub fn not_text(offset: usize) -> String {
    format!("not valid UTF-8 at byte offset {offset} (nor UTF-16 with a byte-order mark)")
}

/// `text` as Windows PowerShell 5 writes it: UTF-16 LE with a byte-order mark. For tests.
#[cfg(test)]
pub fn utf16le(text: &str) -> Vec<u8> {
    let mut out = UTF16LE_BOM.to_vec();
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_order_mark_and_none() {
        let text = "{\"format_version\": \"1.2\", \"name\": \"caf\u{e9} \u{1f600}\"}";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        assert_eq!(decode(&[UTF8_BOM, text.as_bytes()].concat()).unwrap(), text);
        assert_eq!(decode(&utf16le(text)).unwrap(), text);
        let be: Vec<u8> = UTF16BE_BOM.iter().copied().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&be).unwrap(), text);
        assert!(matches!(decode(text.as_bytes()).unwrap(), Cow::Borrowed(_)), "UTF-8 is not copied");
        assert!(has_bom(&utf16le("{")[..3]) && has_bom(b"\xef\xbb\xbf{") && !has_bom(b"{\"v"));
    }

    #[test]
    fn what_is_not_text_says_where() {
        assert_eq!(decode(b"ab\xffcd"), Err(2));
        assert_eq!(decode(b"\xef\xbb\xbfab\xff"), Err(5));
        // A lone high surrogate, then a cut-off last byte.
        assert_eq!(decode(&[0xff, 0xfe, b'a', 0, 0x00, 0xd8, b'b', 0]), Err(4));
        assert_eq!(decode(&[0xff, 0xfe, b'a', 0, b'b']), Err(4));
        assert_eq!(decode(&utf16le("")).unwrap(), "");
    }
}
