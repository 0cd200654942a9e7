import { useCallback, useState } from "preact/hooks";

/**
 * The text of the app's polite live region. It is emptied first, so the same message said
 * twice (two checks with the same outcome) is read out twice.
 */
export function useAnnouncer(): [string, (text: string) => void] {
  const [text, setText] = useState("");
  const announce = useCallback((next: string) => {
    setText("");
    setTimeout(() => setText(next), 100);
  }, []);
  return [text, announce];
}
