import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driveFolderId } from '../../src/domain/drive-link.js';

describe('a Drive folder link', () => {
  const id = '1AbC-dEf_GhIjKlMnOpQrStUvWxYz0123';

  it('should give the folder id of the links Drive hands out, and of a bare id', () => {
    for (const link of [
      `https://drive.google.com/drive/folders/${id}?usp=sharing`,
      `https://drive.google.com/drive/folders/${id}`,
      `https://drive.google.com/drive/u/1/folders/${id}?usp=drive_link`,
      `https://drive.google.com/open?id=${id}`,
      `  ${id}  `,
    ]) {
      assert.equal(driveFolderId(link), id, link);
    }
  });

  it('should refuse what is not a Drive folder link', () => {
    for (const text of ['', 'hello world', `https://example.com/drive/folders/${id}`, 'https://drive.google.com/drive/my-drive', "abc' in parents or '"]) {
      assert.equal(driveFolderId(text), null, text);
    }
  });

  it('should never let a quote through into the Drive query the id is put in', () => {
    assert.equal(driveFolderId(`https://drive.google.com/drive/folders/${id}'%20or%20'1'='1`), id);
    assert.equal(driveFolderId(`https://drive.google.com/open?id=${id}'x`), null);
  });
});
