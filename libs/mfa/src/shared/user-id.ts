/** User ids are the subject of the tenant's tokens: any printable text up to 255 characters. */
export const USER_ID_PATTERN = /^[^\p{Cc}\u2028\u2029]{1,255}$/u;
