import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MotoServer } from './moto';

const moto = new MotoServer();
beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());

test('the moto server on 127.0.0.1 answers the real SDK over HTTP', async () => {
  expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'probe' }));
  await s3.send(new PutObjectCommand({ Bucket: 'probe', Key: 'k', Body: 'v' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'probe', Key: 'k' }));
  expect(await got.Body!.transformToString()).toBe('v');
});
