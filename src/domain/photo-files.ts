/** The columns that say which file of a photo someone downloads. */
export interface PhotoFiles {
  originalFilename: string;
  contentType: string;
  originalKey: string;
  displayKey: string | null;
  guestOriginalKey: string | null;
}

/**
 * The "original" someone downloads, and its file name: the uploaded file for
 * the event's photographer and admins (and for everyone when the event hands
 * out untouched originals); otherwise the copy without GPS and serial numbers.
 * Photos processed before guest copies existed fall back to the display copy
 * (no metadata either), named .jpg.
 */
export function originalFor(photo: PhotoFiles, untouched: boolean): { key: string | null; filename: string } {
  if (untouched) return { key: photo.originalKey, filename: photo.originalFilename };
  const key = photo.guestOriginalKey ?? photo.displayKey;
  const jpeg = !photo.guestOriginalKey || /^image\/hei[cf]$/.test(photo.contentType);
  return { key, filename: jpeg ? photo.originalFilename.replace(/\.[^.]*$/, '') + '.jpg' : photo.originalFilename };
}
