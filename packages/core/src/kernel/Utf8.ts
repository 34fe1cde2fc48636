/**
 * The UTF-8 length of `text`, without encoding it: a response body can stay a string (written to
 * the socket in one piece with its headers) and still declare its `content-length`. A lone
 * surrogate counts as the 3 bytes of U+FFFD it is written as, as `TextEncoder` does.
 */
export const utf8Length = (text: string): number => {
  let length = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) length += 1
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2 // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++
    } else length += 2
  }
  return length
}
